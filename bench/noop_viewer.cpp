// Stand-in for remote-viewer in the launch benchmark: exits 0 at once.
int main() { return 0; }
