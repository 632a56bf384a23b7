/* order-sim: the outside world for local runs and tests. */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "order-sim: not written yet\n");
	return 2;
}
