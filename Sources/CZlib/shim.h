#ifndef SIMPUL_CZLIB_SHIM_H
#define SIMPUL_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2/inflateInit2 are macros (they pass ZLIB_VERSION and the stream size): Swift cannot import them.
static inline int simpul_deflate_init_gzip(z_streamp s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
static inline int simpul_inflate_init_gzip(z_streamp s) {
    return inflateInit2(s, 15 + 16);
}
#endif
