// The program the exec test runs: proves arguments arrive and the exit status travels back.
#include "lib/user.hpp"

int main(const char* arg) {
    user::print("hello from user mode: ");
    user::print(arg);
    user::print("\n");
    return 3;
}
