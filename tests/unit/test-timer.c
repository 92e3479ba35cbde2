/*
 * Wall-clock timers (src/common/timefmt.c): a clock set that nobody has read
 * from the timer yet must not make arming it fail. The test sets the clock
 * to itself, a step of microseconds, which needs CAP_SYS_TIME; without it,
 * it is skipped.
 */
#include <errno.h>
#include <glib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "timefmt.h"

static int wall_timer(time_t at)
{
	int fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(present_time_timer_set(fd, (struct timespec){.tv_sec = at}), ==, 0);
	return fd;
}

static void test_armed_after_an_unread_clock_set(void)
{
	time_t now = time(NULL);
	int fd = wall_timer(now + 3600), raw = wall_timer(now + 3600);
	struct timespec ts;
	g_assert_cmpint(clock_gettime(CLOCK_REALTIME, &ts), ==, 0);
	if (clock_settime(CLOCK_REALTIME, &ts) < 0) {
		g_assert_cmpint(errno, ==, EPERM);
		g_test_skip("setting the clock needs CAP_SYS_TIME");
		goto out;
	}
	/* What the kernel does, which present_time_timer_set() must take for success. */
	struct itimerspec its = {.it_value = {.tv_sec = now + 7200}};
	if (timerfd_settime(raw, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) == 0) {
		g_test_skip("this kernel does not say ECANCELED when a timer is armed after a clock set");
		goto out;
	}
	g_assert_cmpint(errno, ==, ECANCELED);

	g_assert_cmpint(present_time_timer_set(fd, (struct timespec){.tv_sec = now + 7200}), ==, 0);
	struct itimerspec left;
	g_assert_cmpint(timerfd_gettime(fd, &left), ==, 0);
	g_assert_cmpint(left.it_value.tv_sec, >, 7000);
	g_assert_cmpint(left.it_value.tv_sec, <=, 7200);
out:
	close(fd);
	close(raw);
}

static void test_zero_disarms(void)
{
	int fd = wall_timer(time(NULL) + 60);
	g_assert_cmpint(present_time_timer_set(fd, (struct timespec){0}), ==, 0);
	struct itimerspec left;
	g_assert_cmpint(timerfd_gettime(fd, &left), ==, 0);
	g_assert_cmpint(left.it_value.tv_sec, ==, 0);
	g_assert_cmpint(left.it_value.tv_nsec, ==, 0);
	close(fd);
	g_assert_cmpint(present_time_timer_set(fd, (struct timespec){0}), ==, -EBADF);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/time/timer/armed-after-an-unread-clock-set", test_armed_after_an_unread_clock_set);
	g_test_add_func("/time/timer/zero-disarms", test_zero_disarms);
	return g_test_run();
}
