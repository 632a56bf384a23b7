/*
 * The stop signals and SIGPIPE of a long-running process.
 */
#include "infrastructure/io/io_signals.h"

#include <signal.h>
#include <string.h>

void io_signals_install(void (*on_stop)(int sig))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
