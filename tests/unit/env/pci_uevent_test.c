/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI hot-plug events: the uevent parser on messages shaped as the kernel sends them (what a
 * guest's pciehp and driver core emitted for a device_add, bind and device_del), on other
 * subsystems and on malformed ones; and the listener's argument checks. The real uevents are
 * seen in the QEMU guest (tests.d/27-nvme-hotplug.sh).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../common/test_common.h"

#include "env/pci_uevent.h"

/* A message from NUL-separated strings written with '|' for readability. */
static size_t message(char *buf, size_t size, const char *text)
{
	size_t n = strlen(text) + 1;

	assert_true(n <= size);
	memcpy(buf, text, n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '|')
			buf[i] = '\0';
	return n;
}

static int parse(const char *text, struct spdkrt_pci_event *ev)
{
	char buf[1024];
	size_t n = message(buf, sizeof(buf), text);

	return srt_pci_uevent_parse(buf, n, ev);
}

static void test_pci_actions(void **state)
{
	struct spdkrt_pci_event ev;

	(void)state;
	assert_int_equal(
		parse("add@/devices/pci0000:00/0000:00:03.0/0000:01:00.0|ACTION=add|"
		      "DEVPATH=/devices/pci0000:00/0000:00:03.0/0000:01:00.0|SUBSYSTEM=pci|"
		      "PCI_CLASS=10802|PCI_ID=1B36:0010|PCI_SLOT_NAME=0000:01:00.0|SEQNUM=1",
		      &ev),
		1);
	assert_int_equal(ev.type, SPDKRT_PCI_EVENT_ADD);
	assert_int_equal(ev.addr.bus, 1);
	assert_int_equal(ev.addr.dev, 0);
	assert_string_equal(ev.driver, "");

	assert_int_equal(
		parse("bind@/devices/pci0000:00/0000:00:03.0/0000:01:00.0|ACTION=bind|"
		      "DEVPATH=/devices/pci0000:00/0000:00:03.0/0000:01:00.0|SUBSYSTEM=pci|"
		      "DRIVER=uio_pci_generic|PCI_SLOT_NAME=0000:01:00.0|SEQNUM=2",
		      &ev),
		1);
	assert_int_equal(ev.type, SPDKRT_PCI_EVENT_BIND);
	assert_string_equal(ev.driver, "uio_pci_generic");

	assert_int_equal(
		parse("unbind@/x|ACTION=unbind|SUBSYSTEM=pci|PCI_SLOT_NAME=0000:00:04.0", &ev), 1);
	assert_int_equal(ev.type, SPDKRT_PCI_EVENT_UNBIND);
	assert_int_equal(ev.addr.dev, 4);

	assert_int_equal(
		parse("remove@/x|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=0001:02:1f.7", &ev), 1);
	assert_int_equal(ev.type, SPDKRT_PCI_EVENT_REMOVE);
	assert_int_equal(ev.addr.domain, 1);
	assert_int_equal(ev.addr.bus, 2);
	assert_int_equal(ev.addr.dev, 0x1f);
	assert_int_equal(ev.addr.func, 7);
}

static void test_not_pci_events(void **state)
{
	struct spdkrt_pci_event ev;
	char driver[200];

	(void)state;
	/* Other subsystems and actions. */
	assert_int_equal(parse("add@/devices/virtual/block/loop0|ACTION=add|SUBSYSTEM=block|"
			       "PCI_SLOT_NAME=0000:01:00.0",
			       &ev),
			 0);
	assert_int_equal(
		parse("change@/x|ACTION=change|SUBSYSTEM=pci|PCI_SLOT_NAME=0000:01:00.0", &ev), 0);
	/* A bind without DRIVER, no or a bad PCI_SLOT_NAME. */
	assert_int_equal(parse("bind@/x|ACTION=bind|SUBSYSTEM=pci|PCI_SLOT_NAME=0000:01:00.0", &ev),
			 0);
	assert_int_equal(parse("add@/x|ACTION=add|SUBSYSTEM=pci", &ev), 0);
	assert_int_equal(parse("add@/x|ACTION=add|SUBSYSTEM=pci|PCI_SLOT_NAME=0000:01:20.0", &ev),
			 0);
	assert_int_equal(parse("add@/x|ACTION=add|SUBSYSTEM=pci|PCI_SLOT_NAME=", &ev), 0);
	/* Keys must match whole: SUBSYSTEMX is not SUBSYSTEM. */
	assert_int_equal(parse("add@/x|ACTION=add|SUBSYSTEMX=pci|PCI_SLOT_NAME=0000:01:00.0", &ev),
			 0);
	/* udevd's re-sent form starts with a binary header: not a kernel message. */
	assert_int_equal(parse("libudev", &ev), 0);
	/* A driver name longer than the field is cut, not overflowed. */
	memset(driver, 'd', sizeof(driver) - 1);
	driver[sizeof(driver) - 1] = '\0';
	{
		char text[512];

		snprintf(text, sizeof(text),
			 "bind@/x|ACTION=bind|SUBSYSTEM=pci|DRIVER=%s|PCI_SLOT_NAME=0000:01:00.0",
			 driver);
		assert_int_equal(parse(text, &ev), 1);
		assert_int_equal(strlen(ev.driver), sizeof(ev.driver) - 1);
	}
}

static void test_cut_messages(void **state)
{
	struct spdkrt_pci_event ev;
	char buf[256];
	size_t n = message(buf, sizeof(buf),
			   "remove@/x|ACTION=remove|SUBSYSTEM=pci|PCI_SLOT_NAME=0000:01:00.0");

	(void)state;
	assert_int_equal(srt_pci_uevent_parse(buf, n, &ev), 1);
	/* The last string without its NUL is not read (nor past the end). */
	assert_int_equal(srt_pci_uevent_parse(buf, n - 1, &ev), 0);
	assert_int_equal(srt_pci_uevent_parse(buf, 0, &ev), 0);
	assert_int_equal(srt_pci_uevent_parse(NULL, n, &ev), 0);
	assert_int_equal(srt_pci_uevent_parse(buf, n, NULL), 0);
}

static void test_listener(void **state)
{
	struct spdkrt_pci_event ev;
	int fd;

	(void)state;
	assert_int_equal(spdkrt_pci_get_event(-1, &ev), -EINVAL);
	fd = spdkrt_pci_event_listen();
	if (fd < 0) {
		/* A sandbox without netlink uevents: a clear negative errno, nothing else. */
		print_message("no uevent socket here (%d): listener not exercised\n", fd);
		return;
	}
	assert_int_equal(spdkrt_pci_get_event(fd, NULL), -EINVAL);
	/* Nothing happens to PCI functions on this machine meanwhile: nothing waits. */
	assert_true(spdkrt_pci_get_event(fd, &ev) >= 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pci_actions),
		cmocka_unit_test(test_not_pci_events),
		cmocka_unit_test(test_cut_messages),
		cmocka_unit_test(test_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
