/*
 * echo: the machine's limit for the QMP line protocol, for bench/run.py.
 *
 *   echo [QEMU-style options] -qmp unix:PATH,server=on,wait=off
 *        [-qmp tcp:HOST:PORT,server=on,wait=off ...]
 *
 * It takes the same command line the bench gives QEMU and qmonitor (options
 * other than -qmp are ignored, -version prints a line), listens on every
 * -qmp address, greets each connection with a QMP greeting and answers every
 * received line with one fixed reply: no JSON parsing, no dispatch, one
 * thread and one epoll loop.  What loadgen measures against it is what the
 * kernel, the loopback and the client cost: the ceiling for any monitor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_LISTEN 1024

static const char greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
    "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";
static const char reply[] =
    "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}\r\n";

struct conn {
    int fd;
    int listening;
    char *out; /* bytes owed to the client */
    size_t out_len, out_cap;
};

static void die(const char *msg)
{
    perror(msg);
    exit(1);
}

static void owe(struct conn *c, const char *bytes, size_t len)
{
    if (c->out_len + len > c->out_cap) {
        c->out_cap = (c->out_len + len) * 2;
        c->out = realloc(c->out, c->out_cap);
        if (!c->out)
            die("realloc");
    }
    memcpy(c->out + c->out_len, bytes, len);
    c->out_len += len;
}

static int listen_on(const char *spec)
{
    char addr[4096];
    char *comma;
    int fd, one = 1;

    snprintf(addr, sizeof(addr), "%s", spec);
    comma = strchr(addr, ',');
    if (comma)
        *comma = '\0';
    if (!strncmp(addr, "unix:", 5)) {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        if (strlen(addr + 5) >= sizeof(sun.sun_path)) {
            fprintf(stderr, "echo: path too long: %s\n", addr + 5);
            exit(1);
        }
        memcpy(sun.sun_path, addr + 5, strlen(addr + 5) + 1);
        unlink(sun.sun_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
            die(addr);
    } else if (!strncmp(addr, "tcp:", 4)) {
        struct sockaddr_in sin = {.sin_family = AF_INET};
        char *colon = strrchr(addr + 4, ':');
        if (!colon) {
            fprintf(stderr, "echo: bad address %s\n", spec);
            exit(1);
        }
        *colon = '\0';
        sin.sin_port = htons((unsigned short)atoi(colon + 1));
        if (inet_pton(AF_INET, addr + 4, &sin.sin_addr) != 1) {
            fprintf(stderr, "echo: bad host in %s\n", spec);
            exit(1);
        }
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die("socket");
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
            die(spec);
    } else {
        fprintf(stderr, "echo: unsupported address %s\n", spec);
        exit(1);
    }
    if (listen(fd, 128) < 0)
        die("listen");
    return fd;
}

static void watch(int ep, struct conn *c, unsigned events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, op, c->fd, &ev) < 0)
        die("epoll_ctl");
}

static void drop(struct conn *c)
{
    close(c->fd);
    free(c->out);
    free(c);
}

/* Write what is owed: 0 when all is written, 1 when the socket is full, -1 on error. */
static int flush(struct conn *c)
{
    size_t done = 0;
    int st = 0;

    while (done < c->out_len) {
        ssize_t n = write(c->fd, c->out + done, c->out_len - done);
        if (n < 0) {
            st = errno == EAGAIN ? 1 : -1;
            break;
        }
        done += (size_t)n;
    }
    memmove(c->out, c->out + done, c->out_len - done);
    c->out_len -= done;
    return st;
}

int main(int argc, char **argv)
{
    int ep, i, nlisten = 0;

    signal(SIGPIPE, SIG_IGN);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-version") || !strcmp(argv[i], "--version")) {
            printf("echo: fixed-reply QMP line server\n");
            return 0;
        }
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    for (i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "-qmp"))
            continue;
        if (nlisten == MAX_LISTEN) {
            fprintf(stderr, "echo: too many -qmp\n");
            return 1;
        }
        struct conn *l = calloc(1, sizeof(*l));
        l->fd = listen_on(argv[++i]);
        l->listening = 1;
        watch(ep, l, EPOLLIN, EPOLL_CTL_ADD);
        nlisten++;
    }
    if (!nlisten) {
        fprintf(stderr, "echo: no -qmp given\n");
        return 1;
    }
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->listening) {
                int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                    continue;
                struct conn *nc = calloc(1, sizeof(*nc));
                int one = 1;
                nc->fd = fd;
                owe(nc, greeting, sizeof(greeting) - 1);
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                if (flush(nc) < 0) {
                    drop(nc);
                    continue;
                }
                watch(ep, nc, EPOLLIN | (nc->out_len ? EPOLLOUT : 0), EPOLL_CTL_ADD);
                continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                char buf[65536];
                ssize_t r = read(c->fd, buf, sizeof(buf));
                if (r == 0 || (r < 0 && errno != EAGAIN)) {
                    drop(c);
                    continue;
                }
                for (ssize_t k = 0; k < r; k++)
                    if (buf[k] == '\n')
                        owe(c, reply, sizeof(reply) - 1);
            }
            int st = flush(c);
            if (st < 0) {
                drop(c);
                continue;
            }
            watch(ep, c, EPOLLIN | (st ? EPOLLOUT : 0), EPOLL_CTL_MOD);
        }
    }
}
