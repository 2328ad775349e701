/* Takes the locks a tool reading the store might take on FILE, as the guest's busybox has no
 * flock(1): a POSIX read lock over the whole file (fcntl F_SETLK), then a BSD shared lock
 * (flock LOCK_SH, which Linux's NFS client turns into a whole-file read lock too).
 * Built static by run-mount-check and run in the guest; prints what failed, exits non-zero. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: lockcheck FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        printf("open: %s\n", strerror(errno));
        return 1;
    }
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        printf("fcntl F_RDLCK: %s\n", strerror(errno));
        return 1;
    }
    fl.l_type = F_UNLCK;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        printf("fcntl F_UNLCK: %s\n", strerror(errno));
        return 1;
    }
    if (flock(fd, LOCK_SH) != 0 || flock(fd, LOCK_UN) != 0) {
        printf("flock LOCK_SH: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    printf("read locks ok\n");
    return 0;
}
