/* Holds FILE open with a POSIX read lock across replica moves (run by failover-check.sh in the
 * guest; built static by run-failover-check): opens FILE, takes F_RDLCK over the whole file,
 * reads the first 64 KiB, prints "holdlock: locked", then waits until the file GO exists. Then,
 * through the same descriptor, it reads FILE again from its start into OUT (an open file whose
 * state was lost reads EIO) and releases the lock (a lost lock fails here). Exits 0 only if
 * every step succeeded, printing what failed otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what) {
    printf("holdlock: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: holdlock FILE GO OUT\n");
        return 2;
    }
    char buf[65536];
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        return fail("open");
    }
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        return fail("fcntl F_RDLCK");
    }
    if (read(fd, buf, sizeof buf) < 0) {
        return fail("first read");
    }
    printf("holdlock: locked %s\n", argv[1]);
    fflush(stdout);
    while (access(argv[2], F_OK) != 0) {
        sleep(1);
    }
    int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        return fail("open OUT");
    }
    off_t off = 0;
    ssize_t n;
    while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
        if (write(out, buf, n) != n) {
            return fail("write OUT");
        }
        off += n;
    }
    if (n < 0) {
        return fail("read after the moves");
    }
    fl.l_type = F_UNLCK;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        return fail("fcntl F_UNLCK after the moves");
    }
    close(out);
    close(fd);
    printf("holdlock: read %lld bytes after the moves, lock released\n", (long long) off);
    return 0;
}
