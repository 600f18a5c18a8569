#ifndef SIMPUL_CCURL_SHIM_H
#define SIMPUL_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them. These typed wrappers can.
static inline CURLcode simpul_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode simpul_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode simpul_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode simpul_curl_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode simpul_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*simpul_curl_write_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode simpul_curl_setopt_write_function(CURL *h, simpul_curl_write_callback f) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
typedef size_t (*simpul_curl_read_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
static inline CURLcode simpul_curl_setopt_read_function(CURL *h, simpul_curl_read_callback f) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, f);
}
typedef int (*simpul_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode simpul_curl_setopt_xferinfo_function(CURL *h, simpul_curl_xferinfo_callback f) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}
typedef int (*simpul_curl_sockopt_callback)(void *userdata, curl_socket_t fd, curlsocktype purpose);
static inline CURLcode simpul_curl_setopt_sockopt_function(CURL *h, simpul_curl_sockopt_callback f) {
    return curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, f);
}
static inline CURLcode simpul_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode simpul_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode simpul_curl_getinfo_offset(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
#endif
