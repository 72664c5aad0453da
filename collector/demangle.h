#ifndef FLAMEPRE_DEMANGLE_H
#define FLAMEPRE_DEMANGLE_H
/*
 * C++ (Itanium ABI) and Rust legacy demangling. Off the hot path only.
 * Returns a malloc'ed demangled name, or NULL when `mangled` is not a
 * mangled name (or demangling is unavailable); the caller frees it.
 */
char *demangle(const char *mangled);
#endif
