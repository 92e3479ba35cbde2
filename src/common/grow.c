#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

bool present_grow(void *items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t more = *cap ? *cap * 2 : 4;
	if (more > SIZE_MAX / size)
		return false;
	void *old, *grown;
	memcpy(&old, items, sizeof(old));
	if (!(grown = realloc(old, more * size)))
		return false;
	memcpy(items, &grown, sizeof(grown));
	*cap = more;
	return true;
}
