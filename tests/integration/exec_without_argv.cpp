// Executes a program with argc == 0 (the PwnKit shape) and a given
// environment entry, to test that the launcher refuses it.
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs("usage: exec_without_argv PROGRAM [ENV=VALUE...]\n", stderr);
        return 2;
    }
    char* empty_argv[] = {nullptr};
    execve(argv[1], empty_argv, argv + 2);
    std::perror("execve");
    return 127;
}
