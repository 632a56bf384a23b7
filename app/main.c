/* Composition root: CLI dispatch and wiring (filled in as adapters land). */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "order-service: not wired yet\n");
	return 2;
}
