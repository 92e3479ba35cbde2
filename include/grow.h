#ifndef PRESENT_GROW_H
#define PRESENT_GROW_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Makes room for one more item in the array at *items (n items of size
 * bytes, *cap allocated): doubles *cap when n has reached it. Returns false,
 * the array as it was, when memory runs out.
 */
bool present_grow(void *items, size_t *cap, size_t n, size_t size);

#endif
