// Beast's compiled part, built once for the whole program (BOOST_BEAST_SEPARATE_COMPILATION).
// It also holds beast::test::stream's implementation, which tessera_net_tests uses.
#include <boost/beast/src.hpp>
