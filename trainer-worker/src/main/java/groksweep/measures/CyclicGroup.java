package groksweep.measures;

import java.math.BigInteger;

/**
 * Z_p* for a prime p: cyclic of order p − 1, every x ≠ 0 is g^i for the generator g. In these
 * discrete-log coordinates multiplication is addition mod p − 1, so the Fourier basis of
 * Z_(p−1) is to mul and div what that of Z_p is to add and sub.
 *
 * @param power power[i] = g^i mod p, i = 0..p−2
 * @param log log[x] = i with g^i = x, for x = 1..p−1 (log[0] = −1: 0 is not in the group)
 */
public record CyclicGroup(int p, int generator, int[] power, int[] log) {

    public static CyclicGroup of(int p) {
        int g = generator(p);
        int[] power = new int[p - 1];
        int[] log = new int[p];
        log[0] = -1;
        long x = 1;
        for (int i = 0; i < p - 1; i++) {
            power[i] = (int) x;
            log[(int) x] = i;
            x = x * g % p;
        }
        return new CyclicGroup(p, g, power, log);
    }

    /** The group's order, p − 1: the size of its Fourier basis. */
    public int order() {
        return p - 1;
    }

    /**
     * The smallest generator of Z_p*: the least g ≥ 2 with g^((p−1)/q) ≠ 1 mod p for every prime
     * q dividing p − 1 (otherwise g's order would divide (p − 1)/q).
     */
    public static int generator(int p) {
        if (!BigInteger.valueOf(p).isProbablePrime(30)) {
            throw new IllegalArgumentException("Z_p* is cyclic of order p − 1 only for prime p, not " + p);
        }
        if (p == 2) {
            return 1;
        }
        int n = p - 1;
        java.util.List<Integer> primes = new java.util.ArrayList<>();
        for (int q = 2, m = n; m > 1; q++) {
            if ((long) q * q > m) {
                q = m; // what remains is prime
            }
            if (m % q == 0) {
                primes.add(q);
                while (m % q == 0) {
                    m /= q;
                }
            }
        }
        BigInteger bp = BigInteger.valueOf(p);
        for (int g = 2;; g++) {
            BigInteger bg = BigInteger.valueOf(g);
            if (primes.stream().noneMatch(q -> bg.modPow(BigInteger.valueOf(n / q), bp).equals(BigInteger.ONE))) {
                return g;
            }
        }
    }
}
