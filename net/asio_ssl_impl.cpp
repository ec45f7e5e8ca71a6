// Asio's TLS part, compiled once for the whole program (BOOST_ASIO_SEPARATE_COMPILATION;
// core/support/asio_impl.cpp compiles the rest of Asio).
#include <boost/asio/ssl/impl/src.hpp>
