// Boost.JSON's compiled part, built once (header-only mode, one translation unit).
#include <boost/json/src.hpp>
