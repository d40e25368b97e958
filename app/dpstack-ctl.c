/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dpstack-ctl: send control commands to a running dpstack over its unix socket.
 *
 *   dpstack-ctl [-s SOCKET] [--json] COMMAND...
 *   dpstack-ctl [-s SOCKET] [--json] -f FILE     (one command per line, "-" for stdin)
 *   dpstack-ctl [-s SOCKET] [--json]             (an interactive shell: history, completion)
 *
 * Protocol (docs/operations.md): one request line in; the reply is `OK` or `ERR message`, then
 * the body, then a line holding a single dot. A request prefixed with `json ` asks for JSON.
 * Several requests may follow one another on one connection (-f).
 *
 * With --json an error is JSON on stdout too ({"error": ...}), besides the message on stderr.
 *
 * Exit status: 0 success, 1 the daemon refused a command, 2 no connection (or a usage error).
 * Plain C without DPDK (libedit for the shell): it runs where DPDK is not installed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <editline/readline.h>

#define DEFAULT_SOCKET "/var/run/dpstack/dpstack.sock"
#define LINE_MAX_LEN 4096

struct conn {
	int fd;
	char buf[65536];
	size_t start, len;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: dpstack-ctl [-s SOCKET] [--json] COMMAND...\n"
		"       dpstack-ctl [-s SOCKET] [--json] -f FILE   (one command a line, - for "
		"stdin)\n"
		"       dpstack-ctl [-s SOCKET] [--json]           (interactive shell)\n"
		"  -s, --socket SOCKET  control socket (default " DEFAULT_SOCKET ")\n"
		"  -j, --json           JSON output\n"
		"  -f, --file FILE      run every command of FILE on one connection; '#' starts a\n"
		"                       comment; stops at the first error (FILE:LINE: message)\n"
		"  -h, --help           this text; `dpstack-ctl help` lists the commands\n"
		"exit status: 0 ok, 1 command refused, 2 cannot connect or usage error\n");
}

/* Read one line of the reply (without '\n') into line. 0, or -1 on EOF/error. */
static int
read_line(struct conn *c, char **line)
{
	for (;;) {
		char *nl = memchr(c->buf + c->start, '\n', c->len - c->start);
		ssize_t n;

		if (nl != NULL) {
			*nl = '\0';
			*line = c->buf + c->start;
			c->start = (size_t)(nl - c->buf) + 1;
			return 0;
		}
		if (c->start > 0) {
			memmove(c->buf, c->buf + c->start, c->len - c->start);
			c->len -= c->start;
			c->start = 0;
		}
		if (c->len == sizeof(c->buf) - 1) {
			/* A line longer than the buffer: hand out what we have as one line. */
			c->buf[c->len] = '\0';
			*line = c->buf;
			c->start = c->len = 0;
			return 0;
		}
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
}

static int
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Send one command and print the reply body (to out, or nowhere when out is NULL; an error's
 * body is JSON and goes to stdout). Returns 0 (OK), 1 (ERR, message in err) or 2 (connection
 * lost).
 */
static int read_reply(struct conn *c, FILE *out, char *err, size_t errlen);

static int
exchange(struct conn *c, const char *cmd, bool json, FILE *out, char *err, size_t errlen)
{
	char req[LINE_MAX_LEN + 8];
	int n;

	n = snprintf(req, sizeof(req), "%s%s\n", json ? "json " : "", cmd);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		snprintf(err, errlen, "command too long");
		return 1;
	}
	if (write_all(c->fd, req, (size_t)n) != 0) {
		snprintf(err, errlen, "cannot send: %s", strerror(errno));
		return 2;
	}
	return read_reply(c, out, err, errlen);
}

/* Read one reply: 0 (OK), 1 (ERR, message in err) or 2 (connection lost). */
static int
read_reply(struct conn *c, FILE *out, char *err, size_t errlen)
{
	char *line;
	int rc;

	if (read_line(c, &line) != 0) {
		snprintf(err, errlen, "connection closed by dpstack");
		return 2;
	}
	if (strcmp(line, "OK") == 0) {
		rc = 0;
	} else if (strncmp(line, "ERR", 3) == 0) {
		snprintf(err, errlen, "%s", line[3] == ' ' ? line + 4 : line + 3);
		rc = 1;
	} else {
		snprintf(err, errlen, "unexpected reply '%s'", line);
		return 2;
	}
	for (;;) {
		if (read_line(c, &line) != 0) {
			snprintf(err, errlen, "connection closed by dpstack");
			return 2;
		}
		if (strcmp(line, ".") == 0)
			break;
		if (out != NULL)
			fprintf(out, "%s\n", line);
	}
	return rc;
}

static int
run_command(struct conn *c, const char *cmd, bool json, char *err, size_t errlen)
{
	return exchange(c, cmd, json, stdout, err, errlen);
}

/* ---- the interactive shell (libedit) ---- */

static struct conn *shell_conn;
static char **shell_cands;
static size_t shell_ncands;

/* Ask dpstack what may follow the line up to the cursor: `complete WORDS`. */
static void
shell_fetch_candidates(void)
{
	char req[LINE_MAX_LEN], err[LINE_MAX_LEN];
	FILE *mem;
	char *buf = NULL, *save = NULL;
	size_t len = 0;

	for (size_t i = 0; i < shell_ncands; i++)
		free(shell_cands[i]);
	free(shell_cands);
	shell_cands = NULL;
	shell_ncands = 0;
	snprintf(req, sizeof(req), "complete %.*s", rl_point, rl_line_buffer);
	mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return;
	if (exchange(shell_conn, req, false, mem, err, sizeof(err)) != 0) {
		fclose(mem);
		free(buf);
		return;
	}
	fclose(mem);
	for (char *t = strtok_r(buf, "\n", &save); t != NULL; t = strtok_r(NULL, "\n", &save)) {
		char **nc = realloc(shell_cands, (shell_ncands + 1) * sizeof(*nc));

		if (nc == NULL)
			break;
		shell_cands = nc;
		shell_cands[shell_ncands++] = strdup(t);
	}
	free(buf);
}

static char *
shell_generator(const char *text, int state)
{
	static size_t next;

	if (state == 0) {
		shell_fetch_candidates();
		next = 0;
	}
	while (next < shell_ncands) {
		const char *cand = shell_cands[next++];

		if (cand != NULL && strncmp(cand, text, strlen(text)) == 0)
			return strdup(cand);
	}
	return NULL;
}

static char **
shell_complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	return rl_completion_matches(text, shell_generator);
}

/* Read commands with history and completion until EOF, `quit` or `exit`. */
static int
run_shell(struct conn *c, bool json)
{
	char hist[4096] = "", err[LINE_MAX_LEN];
	const char *home = getenv("HOME");
	char *line;
	int rc = 0;

	shell_conn = c;
	rl_attempted_completion_function = shell_complete;
	if (home != NULL) {
		snprintf(hist, sizeof(hist), "%s/.dpstack_ctl_history", home);
		read_history(hist);
	}
	stifle_history(1000);
	while ((line = readline("dpstack> ")) != NULL) {
		char *p = line, *e = line + strlen(line);

		while (*p == ' ' || *p == '\t')
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*p == '\0') {
			free(line);
			continue;
		}
		add_history(p);
		if (strcmp(p, "quit") == 0 || strcmp(p, "exit") == 0) {
			free(line);
			break;
		}
		rc = run_command(c, p, json, err, sizeof(err));
		fflush(stdout);
		free(line);
		if (rc == 2) {
			fprintf(stderr, "dpstack-ctl: %s\n", err);
			break;
		}
		if (rc == 1)
			fprintf(stderr, "error: %s\n", err);
		rc = 0;
	}
	if (hist[0] != '\0')
		write_history(hist);
	return rc;
}

/*
 * Consecutive route add / replace / del lines of a file: sent as one `route batch N` and its
 * N lines in bulk, answered once, applied as one change (or not at all). A full table of a
 * million routes then costs no round trip and no grace period per route.
 */
struct route_run {
	char *buf;
	size_t len, cap;
	int *lineno;
	size_t n, ncap;
};

static bool
is_route_change(const char *p)
{
	return strncmp(p, "route add ", 10) == 0 || strncmp(p, "route replace ", 14) == 0 ||
	       strncmp(p, "route del ", 10) == 0;
}

static int
run_push(struct route_run *r, const char *p, int lineno)
{
	size_t l = strlen(p);

	if (r->len + l + 2 > r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 1 << 16;
		char *nb;

		while (ncap < r->len + l + 2)
			ncap *= 2;
		nb = realloc(r->buf, ncap);
		if (nb == NULL)
			return -1;
		r->buf = nb;
		r->cap = ncap;
	}
	if (r->n == r->ncap) {
		size_t ncap = r->ncap ? r->ncap * 2 : 1024;
		int *nl = realloc(r->lineno, ncap * sizeof(*nl));

		if (nl == NULL)
			return -1;
		r->lineno = nl;
		r->ncap = ncap;
	}
	memcpy(r->buf + r->len, p, l);
	r->buf[r->len + l] = '\n';
	r->len += l + 1;
	r->lineno[r->n++] = lineno;
	return 0;
}

/* Send the run; 0, 1 (refused: err names FILE:LINE) or 2 (connection lost). */
static int
run_flush(struct conn *c, struct route_run *r, const char *name, bool json, char *err,
	  size_t errlen)
{
	char head[64], msg[LINE_MAX_LEN];
	unsigned long k;
	char *end;
	int rc;

	if (r->n == 0)
		return 0;
	if (r->n == 1) {
		r->buf[r->len - 1] = '\0';
		rc = run_command(c, r->buf, json, msg, sizeof(msg));
		if (rc != 0)
			snprintf(err, errlen, "%s:%d: %s", name, r->lineno[0], msg);
		r->n = r->len = 0;
		return rc;
	}
	snprintf(head, sizeof(head), "%sroute batch %zu\n", json ? "json " : "", r->n);
	if (write_all(c->fd, head, strlen(head)) != 0 || write_all(c->fd, r->buf, r->len) != 0) {
		snprintf(err, errlen, "cannot send: %s", strerror(errno));
		return 2;
	}
	rc = read_reply(c, stdout, msg, sizeof(msg));
	if (rc == 1) {
		/* "K: message": K counts the batch's lines from 1. */
		k = strtoul(msg, &end, 10);
		if (end != msg && *end == ':' && k >= 1 && k <= r->n)
			snprintf(err, errlen, "%s:%d:%s", name, r->lineno[k - 1], end + 1);
		else
			snprintf(err, errlen, "%s: %s", name, msg);
	} else if (rc == 2) {
		snprintf(err, errlen, "%s", msg);
	}
	r->n = r->len = 0;
	return rc;
}

static int
run_file(struct conn *c, const char *path, bool json)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[LINE_MAX_LEN], err[LINE_MAX_LEN + 600];
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	struct route_run run = {0};
	int lineno = 0, rc = 0;

	if (f == NULL) {
		fprintf(stderr, "dpstack-ctl: %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *e;

		lineno++;
		e = strchr(p, '#');
		if (e != NULL)
			*e = '\0';
		e = strchr(p, '\n');
		if (e != NULL)
			*e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*p == '\0')
			continue;
		if (is_route_change(p)) {
			if (run_push(&run, p, lineno) != 0) {
				fprintf(stderr, "dpstack-ctl: out of memory\n");
				rc = 2;
				break;
			}
			continue;
		}
		rc = run_flush(c, &run, name, json, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "dpstack-ctl: %s\n", err);
			break;
		}
		rc = run_command(c, p, json, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "dpstack-ctl: %s:%d: %s\n", name, lineno, err);
			break;
		}
	}
	if (rc == 0) {
		rc = run_flush(c, &run, name, json, err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "dpstack-ctl: %s\n", err);
	}
	free(run.buf);
	free(run.lineno);
	if (f != stdin)
		fclose(f);
	fflush(stdout);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *sock = DEFAULT_SOCKET, *file = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static struct conn c;
	char cmd[LINE_MAX_LEN], err[LINE_MAX_LEN];
	bool json = false;
	size_t off = 0;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) {
			if (++i == argc)
				goto bad;
			sock = argv[i];
		} else if (strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0) {
			if (++i == argc)
				goto bad;
			file = argv[i];
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else {
			goto bad;
		}
	}
	if (file != NULL && i != argc)
		goto bad;
	cmd[0] = '\0';
	for (; i < argc; i++) {
		int n = snprintf(cmd + off, sizeof(cmd) - off, "%s%s", off ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(cmd) - off) {
			fprintf(stderr, "dpstack-ctl: command too long\n");
			return 2;
		}
		off += (size_t)n;
	}
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dpstack-ctl: socket path too long: %s\n", sock);
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "dpstack-ctl: cannot connect to %s: %s\n", sock, strerror(errno));
		return 2;
	}
	if (file != NULL) {
		rc = run_file(&c, file, json);
	} else if (cmd[0] == '\0') {
		rc = run_shell(&c, json);
	} else {
		rc = run_command(&c, cmd, json, err, sizeof(err));
		fflush(stdout);
		if (rc != 0)
			fprintf(stderr, "dpstack-ctl: %s\n", err);
	}
	close(c.fd);
	return rc;
bad:
	usage(stderr);
	return 2;
}
