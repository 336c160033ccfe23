// build_viewer_environment: rebuilt from empty, a checked allowlist only.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "launcher/environment.hpp"

using namespace spice_connect;

namespace {

using V = std::vector<std::string>;

Account account() {
    Account a;
    a.caller = Caller{1001, "anne", {"anne", "staff"}};
    a.gid = 1001;
    a.home = "/home/anne";
    a.shell = "/bin/bash";
    return a;
}

bool has(const V& env, const std::string& entry) { return std::find(env.begin(), env.end(), entry) != env.end(); }

bool has_name(const V& env, const std::string& name) {
    return std::any_of(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
}

int count_name(const V& env, const std::string& name) {
    return static_cast<int>(
        std::count_if(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; }));
}

}  // namespace

TEST_CASE("environment: from an empty caller environment only the fixed entries", "[environment]") {
    V env = build_viewer_environment({}, account());
    CHECK(env == V{"HOME=/home/anne", "USER=anne", "LOGNAME=anne", "SHELL=/bin/bash",
                   "PATH=/usr/local/bin:/usr/bin:/bin"});
    CHECK(std::string(viewer_path_env) == "PATH=/usr/local/bin:/usr/bin:/bin");
}

TEST_CASE("environment: the allowlist is kept", "[environment]") {
    V caller = {"DISPLAY=:0",
                "XAUTHORITY=/home/anne/.Xauthority",
                "WAYLAND_DISPLAY=wayland-0",
                "XDG_RUNTIME_DIR=/run/user/1001",
                "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1001/bus",
                "LANG=de_DE.UTF-8",
                "LANGUAGE=de:en",
                "LC_ALL=C.UTF-8",
                "LC_TIME=en_GB.UTF-8",
                "LC_MESSAGES=C",
                "LC_CTYPE=de_DE.UTF-8",
                "LC_NUMERIC=de_DE.UTF-8",
                "LC_PAPER=de_DE.UTF-8",
                "TERM=xterm-256color",
                "COLORTERM=truecolor"};
    V env = build_viewer_environment(caller, account());
    for (const std::string& e : caller) {
        INFO(e);
        CHECK(has(env, e));
    }
    CHECK(env.size() == caller.size() + 5);
}

TEST_CASE("environment: every other variable of the caller is dropped", "[environment]") {
    V caller = {"DISPLAY=:0",
                "LD_PRELOAD=/tmp/evil.so",
                "LD_LIBRARY_PATH=/tmp",
                "LD_AUDIT=/tmp/a.so",
                "GTK_MODULES=evil",
                "GTK_PATH=/tmp/gtk",
                "GTK3_MODULES=evil",
                "GIO_EXTRA_MODULES=/tmp/gio",
                "GIO_MODULE_DIR=/tmp/gio",
                "GST_PLUGIN_PATH=/tmp/gst",
                "GST_PLUGIN_SYSTEM_PATH=/tmp/gst",
                "GDK_PIXBUF_MODULE_FILE=/tmp/x",
                "XDG_DATA_DIRS=/tmp/share",
                "XDG_CONFIG_DIRS=/tmp/etc",
                "XDG_DATA_HOME=/tmp/home",
                "PATH=/tmp/bin:/usr/bin",
                "HOME=/tmp/fakehome",
                "USER=root",
                "LOGNAME=root",
                "SHELL=/tmp/sh",
                "TZ=/tmp/zone",
                "SUDO_UID=0",
                "SPICE_DEBUG=1",
                "G_MESSAGES_DEBUG=all",
                "GCONV_PATH=/tmp",
                "LOCPATH=/tmp",
                "NLSPATH=/tmp/%N",
                "MALLOC_CHECK_=3",
                "LC_FOO=x",
                "BASH_ENV=/tmp/x",
                "IFS=x"};
    V env = build_viewer_environment(caller, account());
    CHECK(env == V{"DISPLAY=:0", "HOME=/home/anne", "USER=anne", "LOGNAME=anne", "SHELL=/bin/bash",
                   "PATH=/usr/local/bin:/usr/bin:/bin"});
    for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "GTK_MODULES", "GTK_PATH", "GIO_EXTRA_MODULES",
                             "GST_PLUGIN_PATH", "XDG_DATA_DIRS", "TZ"})
        CHECK_FALSE(has_name(env, name));
    for (const char* name : {"PATH", "HOME", "USER", "LOGNAME", "SHELL"}) CHECK(count_name(env, name) == 1);
}

TEST_CASE("environment: HOME, USER, LOGNAME and SHELL come from the account", "[environment]") {
    Account a = account();
    a.caller.name = "maggie";
    a.home = "/srv/home/maggie";
    a.shell = "/usr/bin/zsh";
    V env = build_viewer_environment({"HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/false"}, a);
    CHECK(has(env, "HOME=/srv/home/maggie"));
    CHECK(has(env, "USER=maggie"));
    CHECK(has(env, "LOGNAME=maggie"));
    CHECK(has(env, "SHELL=/usr/bin/zsh"));
    CHECK_FALSE(has(env, "HOME=/root"));
    CHECK_FALSE(has(env, "USER=root"));
}

TEST_CASE("environment: an account without a shell gets /bin/sh", "[environment]") {
    Account a = account();
    a.shell.clear();
    CHECK(has(build_viewer_environment({}, a), "SHELL=/bin/sh"));
}

TEST_CASE("environment: locale values that could name a file are dropped", "[environment]") {
    V env = build_viewer_environment({"LANG=../../tmp/evil", "LANGUAGE=de/../../x", "LC_ALL=/tmp/locale",
                                      "LC_MESSAGES=%s%s", "LC_TIME=en..US", "TERM=../../tmp/terminfo",
                                      "COLORTERM=a/b", "LC_CTYPE=C.UTF-8"},
                                     account());
    for (const char* name : {"LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_TIME", "TERM", "COLORTERM"}) {
        INFO(name);
        CHECK_FALSE(has_name(env, name));
    }
    CHECK(has(env, "LC_CTYPE=C.UTF-8"));
    CHECK(has_name(build_viewer_environment({"LANG=a.b"}, account()), "LANG"));  // one dot is fine
}

TEST_CASE("environment: session variables may hold paths but no control characters", "[environment]") {
    V env = build_viewer_environment({"XAUTHORITY=/run/user/1001/gdm/Xauthority", "DISPLAY=:0\nLD_PRELOAD=/x",
                                      "WAYLAND_DISPLAY=w\x1b[2J", "XDG_RUNTIME_DIR=/run/user/1001\x7f"},
                                     account());
    CHECK(has(env, "XAUTHORITY=/run/user/1001/gdm/Xauthority"));
    CHECK_FALSE(has_name(env, "DISPLAY"));
    CHECK_FALSE(has_name(env, "WAYLAND_DISPLAY"));
    CHECK_FALSE(has_name(env, "XDG_RUNTIME_DIR"));
    CHECK_FALSE(has_name(env, "LD_PRELOAD"));
}

TEST_CASE("environment: exported shell functions are dropped", "[environment]") {
    V env = build_viewer_environment({"DISPLAY=() { :; }; echo pwned", "TERM=() { :;}", "LANG=()x"}, account());
    CHECK_FALSE(has_name(env, "DISPLAY"));
    CHECK_FALSE(has_name(env, "TERM"));
    CHECK(has(env, "LANG=()x"));  // only the "() " prefix marks a function
}

TEST_CASE("environment: overlong values are dropped", "[environment]") {
    std::string longest = "DISPLAY=" + std::string(4096, 'x');
    std::string too_long = "XAUTHORITY=" + std::string(4097, 'x');
    V env = build_viewer_environment({longest, too_long}, account());
    CHECK(has(env, longest));
    CHECK_FALSE(has_name(env, "XAUTHORITY"));
}

TEST_CASE("environment: the first of duplicated variables wins", "[environment]") {
    V env = build_viewer_environment({"DISPLAY=:1", "LANG=C", "DISPLAY=:0", "LANG=de_DE.UTF-8"}, account());
    CHECK(has(env, "DISPLAY=:1"));
    CHECK(has(env, "LANG=C"));
    CHECK(count_name(env, "DISPLAY") == 1);
    CHECK(count_name(env, "LANG") == 1);
    // A bad first value is not replaced by a later good one (getenv sees the first).
    V bad_first = build_viewer_environment({"LANG=../x", "LANG=C"}, account());
    CHECK_FALSE(has_name(bad_first, "LANG"));
}

TEST_CASE("environment: names must match exactly", "[environment]") {
    V env = build_viewer_environment({"DISPLAYX=:9", "XDISPLAY=:9", "display=:9", "DISPLAY", "LANGX=C", "LC_=C",
                                      "=x", ""},
                                     account());
    CHECK(env.size() == 5);
    V empty_value = build_viewer_environment({"DISPLAY="}, account());
    CHECK(has(empty_value, "DISPLAY="));
}

TEST_CASE("find_variable returns the first entry for the exact name", "[environment]") {
    V env = {"DISPLAYX=1", "DISPLAY=:0", "DISPLAY=:1", "LANG"};
    const std::string* d = find_variable(env, "DISPLAY");
    REQUIRE(d != nullptr);
    CHECK(*d == "DISPLAY=:0");
    CHECK(d == &env[1]);
    CHECK(find_variable(env, "LANG") == nullptr);
    CHECK(find_variable(env, "DISP") == nullptr);
    CHECK(find_variable({}, "DISPLAY") == nullptr);
}
