package groksweep.config;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * The binary operations a run can learn, all mod p: the group operations of Z_p and Z_p*, and
 * Power et al.'s (2022) polynomials. Pairs (a, b) range over 0..p−1 each, except for {@code div},
 * which leaves out b = 0.
 */
public enum Operation {
    ADD("add", "a + b", Group.ADDITIVE),
    SUB("sub", "a − b", Group.ADDITIVE),
    MUL("mul", "a·b", Group.MULTIPLICATIVE),
    DIV("div", "a·b⁻¹ (b ≠ 0)", Group.MULTIPLICATIVE),
    X2_PLUS_Y2("x2_plus_y2", "a² + b²", Group.NONE),
    X2_XY_Y2("x2_xy_y2", "a² + ab + b²", Group.NONE),
    X2_XY_Y2_X("x2_xy_y2_x", "a² + ab + b² + a", Group.NONE),
    X3_XY("x3_xy", "a³ + ab", Group.NONE),
    X3_XY2_Y("x3_xy2_y", "a³ + ab² + b", Group.NONE);

    /**
     * The group whose Fourier basis the progress measures use: Z_p for add and sub, the cyclic
     * group Z_p* (in discrete-log coordinates) for mul and div, none for the polynomials.
     */
    public enum Group { ADDITIVE, MULTIPLICATIVE, NONE }

    public final String key;
    public final String formula;
    public final Group group;

    Operation(String key, String formula, Group group) {
        this.key = key;
        this.formula = formula;
        this.group = group;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(o -> o.key).toList();
    }

    /** The operation called {@code key} (one of {@link #keys()}). */
    public static Operation of(String key) {
        for (Operation o : values()) {
            if (o.key.equals(key)) {
                return o;
            }
        }
        throw new ConfigException("operation", key, "one of " + String.join(", ", keys()));
    }

    /** Whether (a, b) is a pair of this operation: all are, except b = 0 for div. */
    public boolean includes(int a, int b) {
        return this != DIV || b != 0;
    }

    /** Number of pairs: p² (div: p·(p − 1)). */
    public long pairs(int p) {
        return this == DIV ? (long) p * (p - 1) : (long) p * p;
    }

    /** Whether p must be prime: Z_p* is a group, and b⁻¹ exists, only then. */
    public boolean needsPrime() {
        return group == Group.MULTIPLICATIVE;
    }

    /** a ∘ b mod p, for 0 ≤ a, b < p (and b ≠ 0 for div, with p prime). */
    public int apply(int a, int b, int p) {
        long x = a, y = b;
        long r = switch (this) {
            case ADD -> x + y;
            case SUB -> x - y + p;
            case MUL -> x * y;
            case DIV -> x * BigInteger.valueOf(y).modPow(BigInteger.valueOf(p - 2), BigInteger.valueOf(p)).longValue();
            case X2_PLUS_Y2 -> x * x + y * y;
            case X2_XY_Y2 -> x * x + x * y + y * y;
            case X2_XY_Y2_X -> x * x + x * y + y * y + x;
            case X3_XY -> x * x % p * x + x * y;
            case X3_XY2_Y -> x * x % p * x + x * (y * y % p) + y;
        };
        return (int) (r % p);
    }
}
