/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI hot-plug events from the kernel's uevents: a NETLINK_KOBJECT_UEVENT socket in the kernel's
 * multicast group (udevd's re-sent copies are another group), non-blocking. What spdkrt can use
 * is a function bound to vfio-pci or uio_pci_generic, so an application probes again when such a
 * bind comes instead of scanning sysfs on a timer, and hears of a removal even before its next
 * register read.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "env/pci_uevent.h"

#define SRT_LOG_COMPONENT "pci"
#include "util/log.h"

#define UEVENT_GROUP_KERNEL 1u

/* The value of "KEY=" in one KEY=VALUE string, or NULL. */
static const char *value_of(const char *s, const char *key)
{
	size_t n = strlen(key);

	return strncmp(s, key, n) == 0 && s[n] == '=' ? s + n + 1 : NULL;
}

int srt_pci_uevent_parse(const char *msg, size_t len, struct spdkrt_pci_event *event)
{
	const char *action = NULL, *subsystem = NULL, *slot = NULL, *driver = NULL, *v;
	size_t off = 0;

	if (msg == NULL || event == NULL)
		return 0;
	/* Every string must end inside the message: the last one is cut off when it does not. */
	while (off < len) {
		const char *s = msg + off;
		const char *end = memchr(s, '\0', len - off);

		if (end == NULL)
			break;
		if ((v = value_of(s, "ACTION")) != NULL)
			action = v;
		else if ((v = value_of(s, "SUBSYSTEM")) != NULL)
			subsystem = v;
		else if ((v = value_of(s, "PCI_SLOT_NAME")) != NULL)
			slot = v;
		else if ((v = value_of(s, "DRIVER")) != NULL)
			driver = v;
		off += (size_t)(end - s) + 1;
	}
	if (action == NULL || subsystem == NULL || slot == NULL || strcmp(subsystem, "pci") != 0)
		return 0;
	memset(event, 0, sizeof(*event));
	if (strcmp(action, "add") == 0)
		event->type = SPDKRT_PCI_EVENT_ADD;
	else if (strcmp(action, "bind") == 0 && driver != NULL)
		event->type = SPDKRT_PCI_EVENT_BIND;
	else if (strcmp(action, "unbind") == 0)
		event->type = SPDKRT_PCI_EVENT_UNBIND;
	else if (strcmp(action, "remove") == 0)
		event->type = SPDKRT_PCI_EVENT_REMOVE;
	else
		return 0;
	if (spdkrt_pci_addr_parse(&event->addr, slot) != 0)
		return 0;
	if (event->type == SPDKRT_PCI_EVENT_BIND)
		snprintf(event->driver, sizeof(event->driver), "%s", driver);
	return 1;
}

int spdkrt_pci_event_listen(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = UEVENT_GROUP_KERNEL };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0) {
		int rc = -errno;

		SRT_ERR("spdkrt_pci_event_listen: no uevent socket: %s", strerror(-rc));
		return rc;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int rc = -errno;

		SRT_ERR("spdkrt_pci_event_listen: cannot join the kernel's uevents: %s",
			strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

int spdkrt_pci_get_event(int fd, struct spdkrt_pci_event *event)
{
	char buf[SRT_PCI_UEVENT_MAX];

	if (fd < 0 || event == NULL) {
		SRT_ERR("spdkrt_pci_get_event: fd %d < 0 or event is NULL", fd);
		return -EINVAL;
	}
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = { .msg_name = &from,
				      .msg_namelen = sizeof(from),
				      .msg_iov = &iov,
				      .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS) {
				/* Events were dropped: the caller should rescan; say it once here. */
				SRT_WARN(
					"spdkrt_pci_get_event: uevents were lost (socket overrun)");
				continue;
			}
			return -errno;
		}
		/* Only the kernel (port 0) speaks for the hardware; anyone else is ignored. */
		if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0 ||
		    (msg.msg_flags & MSG_TRUNC) != 0)
			continue;
		if (srt_pci_uevent_parse(buf, (size_t)n, event) == 1)
			return 1;
	}
}
