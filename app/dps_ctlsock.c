/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control socket server: a unix stream socket (root only) whose requests are command
 * lines of the control language (dps_ctl.c).
 *
 * Protocol (docs/operations.md): one request line in; the reply is `OK` or `ERR message`,
 * then the body, then a line holding a single dot. A request prefixed with `json ` asks for
 * JSON, errors included (the body of an ERR is then {"error": ..., "errno": ...}).
 *
 * The socket thread is a control thread (rte_ctrl_thread_create), not an RCU reader: it may
 * block in poll() and in writers' grace periods freely. Each client is named in the audit log
 * by its SO_PEERCRED pid and uid.
 */
#include <ctype.h>
#include <inttypes.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "dps_cmd.h"

#define CTL_LINE_MAX 4096
#define CTL_MAX_CLIENTS 16
#define CTL_POLL_MS 200
/* The reply buffer shrinks back to this after a big reply. */
#define CTL_REPLY_KEEP (64 * 1024)

struct ctl_client {
	int fd;
	size_t len;
	char who[48];
	char in[CTL_LINE_MAX];
	/* `route batch COUNT`: the lines still to come, what is staged, the first error */
	struct dps_route_batch *batch;
	uint64_t batch_left;
	uint64_t batch_line;
	bool batch_json;
	int batch_rc;
	char batch_err[CTL_LINE_MAX];
};

/* Most lines one `route batch` takes (a full table is about 1.1 million). */
#define CTL_BATCH_MAX (1ull << 25)

static bool
ctl_running(struct dps_app *app)
{
	return __atomic_load_n(&app->ctl_running, __ATOMIC_ACQUIRE);
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Execute one request and send `OK`/`ERR message`, the body, and a line with a single dot. */
static int
ctl_serve_line(struct dps_app *app, struct ctl_client *c, char *line, struct dps_out *o)
{
	char head[CTL_LINE_MAX + 8], msg[CTL_LINE_MAX];
	bool json = false;
	int rc;

	while (isspace((unsigned char)*line))
		line++;
	if (strncmp(line, "json", 4) == 0 && (line[4] == ' ' || line[4] == '\t')) {
		json = true;
		line += 5;
	}
	rc = dps_ctl_run(app, line, json, c->who, o);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "%s", o->len > 0 ? o->buf : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(head, sizeof(head), "ERR %s\n", msg);
		if (json)
			dps_ctl_json_error(o, rc, msg);
		else
			dps_out_reset(o);
		if (write_all(c->fd, head, strlen(head)) != 0)
			return -EPIPE;
	} else if (write_all(c->fd, "OK\n", 3) != 0) {
		return -EPIPE;
	}
	if (o->len > 0 && write_all(c->fd, o->buf, o->len) != 0)
		return -EPIPE;
	if (o->len > 0 && o->buf[o->len - 1] != '\n' && write_all(c->fd, "\n", 1) != 0)
		return -EPIPE;
	return write_all(c->fd, ".\n", 2);
}

/* The reply of a finished batch: OK with the count, or ERR with the first failing line. */
static int
ctl_batch_end(struct dps_app *app, struct ctl_client *c, struct dps_out *o)
{
	char head[CTL_LINE_MAX + 8];
	int rc = c->batch_rc;

	if (rc == 0) {
		rc = dps_ctl_batch_commit(app, c->batch, c->who, o);
		snprintf(c->batch_err, sizeof(c->batch_err), "%s", o->len > 0 ? o->buf : "");
	} else {
		dps_route_batch_abort(c->batch);
	}
	c->batch = NULL;
	dps_out_reset(o);
	if (rc != 0) {
		c->batch_err[strcspn(c->batch_err, "\n")] = '\0';
		snprintf(head, sizeof(head), "ERR %s\n", c->batch_err);
		if (c->batch_json)
			dps_ctl_json_error(o, rc, c->batch_err);
		if (write_all(c->fd, head, strlen(head)) != 0)
			return -EPIPE;
	} else if (write_all(c->fd, "OK\n", 3) != 0) {
		/* No body, as route add has none; the audit log has the count. */
		return -EPIPE;
	}
	if (o->len > 0 && (write_all(c->fd, o->buf, o->len) != 0 || write_all(c->fd, "\n", 1)))
		return -EPIPE;
	return write_all(c->fd, ".\n", 2);
}

/*
 * One line of an open batch: staged, no reply. After a staging error the rest is read and
 * dropped, so the client's lines stay in step with the replies.
 */
static int
ctl_batch_line(struct dps_app *app, struct ctl_client *c, const char *line, struct dps_out *o)
{
	c->batch_line++;
	if (c->batch_rc == 0) {
		int rc = dps_ctl_batch_line(app, c->batch, line, o);

		if (rc != 0) {
			c->batch_rc = rc;
			snprintf(c->batch_err, sizeof(c->batch_err), "%" PRIu64 ": %s",
				 c->batch_line, o->len > 0 ? o->buf : strerror(-rc));
		}
	}
	if (--c->batch_left == 0)
		return ctl_batch_end(app, c, o);
	return 0;
}

/* `[json ]route batch COUNT`: open a batch on this connection. 1 if the line was one. */
static int
ctl_batch_open(struct ctl_client *c, const char *line, struct dps_app *app, struct dps_out *o)
{
	const char *p = line;
	unsigned long long n;
	char *end;
	bool json = false;

	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "json ", 5) == 0) {
		json = true;
		p += 5;
	}
	if (strncmp(p, "route batch ", 12) != 0)
		return 0;
	n = strtoull(p + 12, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0' || n > CTL_BATCH_MAX || p[12] == '-')
		return 0; /* the command table answers with its usage or refusal */
	c->batch = dps_route_batch_begin(app->stack);
	c->batch_left = n;
	c->batch_line = 0;
	c->batch_json = json;
	c->batch_rc = c->batch == NULL ? -ENOMEM : 0;
	snprintf(c->batch_err, sizeof(c->batch_err), "out of memory");
	if (n == 0 && ctl_batch_end(app, c, o) != 0)
		return -EPIPE;
	return 1;
}

/* Read what the client sent and answer every complete line. <0: close the connection. */
static int
ctl_client_input(struct dps_app *app, struct ctl_client *c, struct dps_out *o)
{
	ssize_t n = recv(c->fd, c->in + c->len, sizeof(c->in) - 1 - c->len, 0);
	char *start, *nl;

	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	c->len += (size_t)n;
	c->in[c->len] = '\0';
	start = c->in;
	while ((nl = strchr(start, '\n')) != NULL) {
		int rc;

		*nl = '\0';
		if (c->batch_left > 0)
			rc = ctl_batch_line(app, c, start, o);
		else if ((rc = ctl_batch_open(c, start, app, o)) == 0)
			rc = ctl_serve_line(app, c, start, o);
		if (rc < 0)
			return -EPIPE;
		start = nl + 1;
	}
	c->len -= (size_t)(start - c->in);
	memmove(c->in, start, c->len);
	if (c->len == sizeof(c->in) - 1) {
		static const char msg[] = "ERR request too long\n.\n";

		write_all(c->fd, msg, sizeof(msg) - 1);
		return -E2BIG;
	}
	return 0;
}

static void
ctl_accept(struct dps_app *app, struct ctl_client *c)
{
	/* A client that stops reading must not stall the control thread. */
	struct timeval tv = {.tv_sec = 5};
	struct ucred cred;
	socklen_t len = sizeof(cred);

	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->len = 0;
	c->batch = NULL;
	c->batch_left = 0;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		snprintf(c->who, sizeof(c->who), "ctl pid %d uid %u", (int)cred.pid,
			 (unsigned int)cred.uid);
	else
		snprintf(c->who, sizeof(c->who), "ctl fd %d", c->fd);
}

static uint32_t
ctl_thread_main(void *arg)
{
	struct dps_app *app = arg;
	struct ctl_client *clients;
	struct pollfd pfd[CTL_MAX_CLIENTS + 1];
	struct dps_out o = {0};
	int nc = 0;

	clients = calloc(CTL_MAX_CLIENTS, sizeof(*clients));
	if (clients == NULL) {
		DPS_LOG(ERR, "control socket: out of memory");
		return 1;
	}
	while (ctl_running(app)) {
		int n;

		pfd[0].fd = app->ctl_fd;
		pfd[0].events = nc < CTL_MAX_CLIENTS ? POLLIN : 0;
		pfd[0].revents = 0;
		for (int i = 0; i < nc; i++) {
			pfd[i + 1].fd = clients[i].fd;
			pfd[i + 1].events = POLLIN;
			pfd[i + 1].revents = 0;
		}
		n = poll(pfd, (nfds_t)nc + 1, CTL_POLL_MS);
		if (n <= 0)
			continue;
		for (int i = nc - 1; i >= 0; i--) {
			if (pfd[i + 1].revents == 0)
				continue;
			if (ctl_client_input(app, &clients[i], &o) < 0) {
				/* A batch left open by a client that went away is dropped. */
				dps_route_batch_abort(clients[i].batch);
				close(clients[i].fd);
				clients[i] = clients[--nc];
			}
		}
		/* Keep the buffer of one big reply from staying around. */
		if (o.cap > 4 * CTL_REPLY_KEEP) {
			free(o.buf);
			o = (struct dps_out){0};
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(app->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				clients[nc].fd = fd;
				ctl_accept(app, &clients[nc++]);
			}
		}
	}
	for (int i = 0; i < nc; i++) {
		dps_route_batch_abort(clients[i].batch);
		close(clients[i].fd);
	}
	free(clients);
	free(o.buf);
	return 0;
}

static void *
ctl_thread_fn(void *arg)
{
	ctl_thread_main(arg);
	return NULL;
}

/* mkdir -p of the socket's directory (/var/run/dpstack by default). */
static void
make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0755);
}

int
dps_ctl_start(struct dps_app *app)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, rc;

	app->ctl_fd = -1;
	if (app->ctl_path == NULL || strlen(app->ctl_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", app->ctl_path);
	make_parent_dir(app->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * A socket left by a previous run that died is replaced; one that answers belongs to a
	 * running dpstack and is left alone; anything else is not ours to remove.
	 */
	if (lstat(app->ctl_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return -EEXIST;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			return -EADDRINUSE;
		}
		unlink(app->ctl_path);
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
	}
	/* The socket changes the stack: root only. umask makes bind create it 0600 already. */
	fchmod(fd, 0600);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, 16) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	app->ctl_fd = fd;
	__atomic_store_n(&app->ctl_running, true, __ATOMIC_RELEASE);
	rc = rte_ctrl_thread_create(&app->ctl_thread, "dps-ctl", NULL, ctl_thread_fn, app);
	if (rc != 0) {
		__atomic_store_n(&app->ctl_running, false, __ATOMIC_RELEASE);
		close(fd);
		unlink(app->ctl_path);
		app->ctl_fd = -1;
		return -rc;
	}
	return 0;
}

void
dps_ctl_stop(struct dps_app *app)
{
	if (!__atomic_load_n(&app->ctl_running, __ATOMIC_ACQUIRE))
		return;
	/* The thread sees the flag within one poll timeout (CTL_POLL_MS). */
	__atomic_store_n(&app->ctl_running, false, __ATOMIC_RELEASE);
	pthread_join(app->ctl_thread, NULL);
	close(app->ctl_fd);
	app->ctl_fd = -1;
	if (app->ctl_path != NULL)
		unlink(app->ctl_path);
}
