#include "policy/sha256.hpp"

#include <array>
#include <cmath>
#include <cstdint>

namespace spice_connect {
namespace {

using Word = std::uint32_t;

// The constants are the first 32 bits of the fractional parts of the square
// roots (initial hash) and cube roots (round constants) of the first primes;
// computed rather than typed, and checked by the test vectors.
Word fraction_bits(long double root) {
    long double frac = root - std::floor(root);
    return static_cast<Word>(std::floor(std::ldexp(frac, 32)));
}

struct Constants {
    std::array<Word, 8> initial{};
    std::array<Word, 64> round{};
    Constants() {
        int found = 0;
        for (int n = 2; found < 64; ++n) {
            bool prime = true;
            for (int d = 2; d * d <= n; ++d)
                if (n % d == 0) prime = false;
            if (!prime) continue;
            if (found < 8) initial[static_cast<std::size_t>(found)] = fraction_bits(std::sqrt(static_cast<long double>(n)));
            round[static_cast<std::size_t>(found)] = fraction_bits(std::cbrt(static_cast<long double>(n)));
            ++found;
        }
    }
};

const Constants& constants() {
    static const Constants c;
    return c;
}

Word rotr(Word x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(std::array<Word, 8>& h, const unsigned char* block) {
    const auto& k = constants().round;
    std::array<Word, 64> w{};
    for (std::size_t i = 0; i < 16; ++i)
        w[i] = static_cast<Word>(block[4 * i]) << 24 | static_cast<Word>(block[4 * i + 1]) << 16 |
               static_cast<Word>(block[4 * i + 2]) << 8 | static_cast<Word>(block[4 * i + 3]);
    for (std::size_t i = 16; i < 64; ++i) {
        Word s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        Word s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    Word a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (std::size_t i = 0; i < 64; ++i) {
        Word s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        Word ch = (e & f) ^ (~e & g);
        Word t1 = hh + s1 + ch + k[i] + w[i];
        Word s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        Word maj = (a & b) ^ (a & c) ^ (b & c);
        Word t2 = s0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    std::array<Word, 8> h = constants().initial;
    std::size_t full = data.size() / 64 * 64;
    for (std::size_t off = 0; off < full; off += 64)
        compress(h, reinterpret_cast<const unsigned char*>(data.data()) + off);
    // Padding: 0x80, zeros, then the length in bits as a 64-bit big-endian number.
    std::array<unsigned char, 128> tail{};
    std::size_t rest = data.size() - full;
    for (std::size_t i = 0; i < rest; ++i) tail[i] = static_cast<unsigned char>(data[full + i]);
    tail[rest] = 0x80;
    std::size_t tail_len = rest + 9 <= 64 ? 64 : 128;
    std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
    for (std::size_t i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
    for (std::size_t off = 0; off < tail_len; off += 64) compress(h, tail.data() + off);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (Word x : h)
        for (int shift = 28; shift >= 0; shift -= 4) out.push_back(hex[(x >> shift) & 0xf]);
    return out;
}

}  // namespace spice_connect
