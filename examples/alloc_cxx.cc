// alloc_cxx — C++ allocations through operator new, for the allocation
// profiler's C++ test (tests/integration/t_alloc_cxx.sh).
//
// Usage: alloc_cxx [ROUNDS]   (default 2000)
//
// Truth: demo::Forest<int>::grow builds 256 tree nodes per round with
// `new Node` (48 bytes each; plus its vector, reserve(256) = 2048 bytes) and
// deletes them; demo::make_buffers makes a
// std::vector<std::string> of 64 strings of 1000 characters per round.
// operator new (libstdc++) reaches malloc; the profile shows operator new
// as the leaf under these demangled C++ callers. stdout: a checksum.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace demo {

struct Node {
    Node *left, *right;
    long value[4];
};

template <typename T> struct Forest {
    __attribute__((noinline)) static long grow(int n)
    {
        std::vector<Node *> nodes;
        nodes.reserve(n);
        for (int i = 0; i < n; i++) {
            Node *x = new Node();
            x->value[0] = i;
            nodes.push_back(x);
        }
        long s = 0;
        for (Node *x : nodes) {
            s += x->value[0];
            delete x;
        }
        return s;
    }
};

__attribute__((noinline)) long make_buffers(int n)
{
    std::vector<std::string> v;
    for (int i = 0; i < n; i++)
        v.emplace_back(1000, char('a' + i % 26));
    long s = 0;
    for (auto &x : v)
        s += x[5];
    return s;
}

} // namespace demo

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 2000;
    long s = 0;
    for (int r = 0; r < rounds; r++) {
        s += demo::Forest<int>::grow(256);
        s += demo::make_buffers(64);
    }
    std::printf("alloc_cxx: rounds=%d checksum=%ld\n", rounds, s);
    return 0;
}
