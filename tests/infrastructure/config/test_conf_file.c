/* Whole files named by settings: bounds, kinds of file, and what a refusal
 * says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "infrastructure/config/conf_file.h"
#include "tests/support/test_main.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	static struct fx fx;

	snprintf(fx.dir, sizeof(fx.dir), "/tmp/conf_file_XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(fx.path, sizeof(fx.path), "%s/f", fx.dir);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	return 0;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The bytes as they are (a NUL inside included), then a NUL; max is
 * inclusive. */
static void test_reads_whole(void **state)
{
	struct fx *fx = *state;
	struct os_error err;
	char *out = NULL;
	size_t len = 0;

	write_file(fx->path, "ab\0cd", 5);
	assert_int_equal(conf_file_read(fx->path, 5, "X_FILE", &out, &len, &err), OS_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "ab\0cd", 6);
	free(out);
	write_file(fx->path, "", 0);
	assert_int_equal(conf_file_read(fx->path, 5, "X_FILE", &out, &len, &err), OS_OK);
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_refusals(void **state)
{
	struct fx *fx = *state;
	char missing[160];
	struct os_error err;
	char *out = (char *)"untouched";
	size_t len = 77;

	write_file(fx->path, "secret!", 7);
	os_error_clear(&err);
	assert_int_equal(conf_file_read(fx->path, 6, "X_FILE", &out, &len, &err), OS_EINVAL);
	assert_string_equal(err.field, "X_FILE");
	assert_non_null(strstr(err.message, "larger than 6 bytes"));
	assert_non_null(strstr(err.message, fx->path));
	assert_null(strstr(err.message, "secret"));

	os_error_clear(&err);
	assert_int_equal(conf_file_read(fx->dir, 1024, "X_FILE", &out, &len, &err), OS_EINVAL);
	assert_non_null(strstr(err.message, "not a regular file"));

	/* A FIFO is refused at once, never waited on. */
	snprintf(missing, sizeof(missing), "%s/fifo", fx->dir);
	assert_int_equal(mkfifo(missing, 0600), 0);
	os_error_clear(&err);
	assert_int_equal(conf_file_read(missing, 1024, "X_FILE", &out, &len, &err), OS_EINVAL);
	assert_non_null(strstr(err.message, "not a regular file"));
	unlink(missing);

	snprintf(missing, sizeof(missing), "%s/none", fx->dir);
	os_error_clear(&err);
	assert_int_equal(conf_file_read(missing, 1024, NULL, &out, &len, &err), OS_EINVAL);
	assert_string_equal(err.field, "");
	assert_non_null(strstr(err.message, missing));
	assert_non_null(strstr(err.message, "No such file"));

	assert_string_equal(out, "untouched");
	assert_int_equal(len, 77);
}

/* One line without what follows it at the end; everything else refused,
 * naming the setting, never the secret, and leaving dst as it was. */
static void test_secret(void **state)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
	    {"", 0},
	    {" \r\n\t\n", 5},
	    {"pass\nword", 10},
	    {"pass\rword", 10},
	    {"pass\0word", 10},
	    {"12345678", 8}, /* one byte too long for cap 8 */
	};
	struct fx *fx = *state;
	struct os_error err;
	char dst[8];
	size_t i;

	write_file(fx->path, "s3cr3t \t\r\n\n", 11);
	assert_int_equal(conf_file_secret(fx->path, "P_FILE", dst, sizeof(dst), &err), OS_OK);
	assert_string_equal(dst, "s3cr3t");
	write_file(fx->path, "1234567", 7);
	assert_int_equal(conf_file_secret(fx->path, "P_FILE", dst, sizeof(dst), &err), OS_OK);
	assert_string_equal(dst, "1234567");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(dst, sizeof(dst), "old");
		write_file(fx->path, bad[i].text, bad[i].len);
		os_error_clear(&err);
		if (conf_file_secret(fx->path, "P_FILE", dst, sizeof(dst), &err) != OS_EINVAL)
			fail_msg("case %zu was accepted", i);
		assert_string_equal(err.field, "P_FILE");
		assert_null(strstr(err.message, "word"));
		assert_null(strstr(err.message, "12345678"));
		assert_string_equal(dst, "old");
	}
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_reads_whole, setup, teardown),
    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    cmocka_unit_test_setup_teardown(test_secret, setup, teardown),
};

TEST_MAIN(tests, NULL, NULL);
