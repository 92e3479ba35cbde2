#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "paths.h"

char *present_path_xdg(const char *env_var, const char *fallback)
{
	const char *v = getenv(env_var);
	char *out = NULL;
	if (v && v[0] == '/')
		return strdup(v);
	const char *home = getenv("HOME");
	if (!home || home[0] != '/')
		return NULL;
	if (asprintf(&out, "%s/%s", home, fallback) < 0)
		return NULL;
	return out;
}

char *present_path_state_dir(void)
{
	char *base = present_path_xdg("XDG_STATE_HOME", ".local/state");
	char *out = NULL;
	if (base && asprintf(&out, "%s/present", base) < 0)
		out = NULL;
	free(base);
	return out;
}

char *present_path_store(void)
{
	char *dir = present_path_state_dir();
	char *out = NULL;
	if (dir && asprintf(&out, "%s/present.db", dir) < 0)
		out = NULL;
	free(dir);
	return out;
}

bool present_path_store_exists(void)
{
	char *path = present_path_store();
	bool exists = path && access(path, F_OK) == 0;
	free(path);
	return exists;
}

static int mkdir_parents(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, mode);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int present_path_ensure_private_dir(const char *dir)
{
	char *copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	int r = mkdir_parents(copy, 0700);
	free(copy);
	if (r < 0)
		return r;

	struct stat st;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* Someone else's directory could be swapped or read under us. */
	if (st.st_uid != geteuid())
		return -EPERM;
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0)
		return -errno;
	return 0;
}

char *present_path_session_bus(void)
{
	const char *address = getenv("DBUS_SESSION_BUS_ADDRESS"), *run = getenv("XDG_RUNTIME_DIR");
	char *out = NULL;
	if (address && *address)
		return strdup(address);
	if (run && *run && asprintf(&out, "unix:path=%s/bus", run) < 0)
		return NULL;
	return out;
}

char *present_path_for_bus(const char *name)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char *address = NULL, *path = NULL;
	if (!run || run[0] != '/' || !(address = present_path_session_bus()))
		return NULL;
	/* FNV-1a: the name needs to tell buses apart, not to resist anyone (the
	 * directory is ours alone, and the daemon checks who connects). The
	 * bus's guid is left out, with the separator before it: one side may be
	 * given it with the address and the other not (an activated daemon, a
	 * terminal), and both must find the status file, or a running session
	 * reads as none. */
	uint64_t h = 14695981039346656037ull;
	char sep = '\0';
	for (const char *p = address;; p++) {
		size_t n = strcspn(p, ",;");
		if (strncmp(p, "guid=", 5) != 0) {
			if (sep)
				h = (h ^ (unsigned char)sep) * 1099511628211ull;
			for (size_t i = 0; i < n; i++)
				h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
		}
		p += n;
		if (!*p)
			break;
		sep = *p;
	}
	free(address);
	if (asprintf(&path, "%s/present/%s-%016llx", run, name, (unsigned long long)h) < 0)
		return NULL;
	return path;
}

char *present_path_direct(void)
{
	char *path = present_path_for_bus("bus");
	if (path && strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
		free(path);
		return NULL;
	}
	return path;
}
