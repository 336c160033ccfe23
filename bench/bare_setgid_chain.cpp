// A minimal setgid exec chain: installed root:GROUP 2755, it makes the
// real, effective and saved gids the file's group (as `sudo -g` and the
// launcher do, so GTK accepts them) and execs the program named in argv[1]
// with the remaining arguments. It mirrors the essential work of a plain setgid
// recipe with no checks at all: a benchmark baseline, never to be
// installed outside a throw-away namespace.
//
// Usage: bare_setgid_chain PROGRAM [ARGV0 ARGS...]
#include <unistd.h>

#include <cstdio>

extern char** environ;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs("usage: bare_setgid_chain PROGRAM [ARGV0 ARGS...]\n", stderr);
        return 2;
    }
    const gid_t g = ::getegid();
    if (::setresgid(g, g, g) != 0) {
        std::perror("bare_setgid_chain: setresgid");
        return 4;
    }
    // argv[2] onwards becomes the program's argv; without it, argv[0] is the path.
    char** program_argv = argc > 2 ? argv + 2 : argv + 1;
    ::execve(argv[1], program_argv, environ);
    std::perror("bare_setgid_chain: execve");
    return 4;
}
