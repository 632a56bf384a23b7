/*
 * Fuzz target for the configuration: the input is a .env file, read by
 * config_load from a memory file (memfd, no disk) into an empty
 * environment, so every value it sets goes through the validation of
 * every setting. It must never crash; a success must hold bounded values.
 * Run it with stdin from /dev/null: a *_FILE setting may name any path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "infrastructure/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	struct os_error err;
	char path[64];
	int fd = memfd_create("fuzz-dotenv", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		clearenv();
		if (config_load(&cfg, path, &err) == OS_OK &&
		    (cfg.app_port < 1 || cfg.app_port > 65535 || cfg.api_threads < 1 ||
		     memchr(cfg.database_url, '\0', sizeof(cfg.database_url)) == NULL ||
		     memchr(cfg.jwt_secret, '\0', sizeof(cfg.jwt_secret)) == NULL))
			abort();
	}
	close(fd);
	return 0;
}
