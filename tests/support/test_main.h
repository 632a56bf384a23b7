/*
 * The main() of a cmocka test program: the one place that says how a test
 * file's cases run. A test file ends with its list of cases and this line:
 *
 *	static const struct CMUnitTest tests[] = {
 *	    cmocka_unit_test(test_a),
 *	    cmocka_unit_test_setup_teardown(test_b, setup, teardown),
 *	};
 *
 *	TEST_MAIN(tests, group_setup, group_teardown);
 *
 * group_setup and group_teardown run once around the whole list (NULL for
 * none); the cases run in the order written; the exit status is the number
 * of failed cases (0 when all passed), which ctest reads.
 */
#ifndef OS_TEST_MAIN_H
#define OS_TEST_MAIN_H

#define TEST_MAIN(list, group_setup, group_teardown)                                               \
	int main(void)                                                                             \
	{                                                                                          \
		return cmocka_run_group_tests(list, group_setup, group_teardown);                  \
	}                                                                                          \
	extern int test_main_unused_ /* lets the use end with a semicolon */

#endif
