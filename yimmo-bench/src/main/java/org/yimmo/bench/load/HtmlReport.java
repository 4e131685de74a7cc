package org.yimmo.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * A self-contained HTML report of a run: the command line, the summary numbers and a latency by
 * percentile chart drawn as inline SVG, with the percentile axis stretched like HdrHistogram's
 * plotter (x = log10(1 / (1 - p)), so 90, 99, 99.9 and 99.99 are equally spaced). No script,
 * style sheet, font or image is fetched: the file opens offline.
 *
 * <p>Stateless; any thread.
 */
final class HtmlReport {

    private static final int WIDTH = 860;
    private static final int HEIGHT = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    private HtmlReport() {
    }

    static void write(Results results, Path file) throws IOException {
        Files.writeString(file, render(results), StandardCharsets.UTF_8);
    }

    static String render(Results results) {
        StringBuilder html = new StringBuilder(16 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>yimmo load report</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;color:#222}")
                .append("code{background:#f4f4f4;padding:2px 4px}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
                .append("th{background:#f4f4f4}td:first-child{text-align:left}\n</style></head><body>\n")
                .append("<h1>Load report</h1>\n<p>").append(escape(results.describe())).append("</p>\n")
                .append("<p>Command: <code>LoadGenerator ").append(escape(results.options.commandLine()))
                .append("</code></p>\n");
        summary(results, html);
        chart(results, html);
        return html.append("</body></html>\n").toString();
    }

    private static void summary(Results r, StringBuilder html) {
        html.append("<table>\n<tr><th>requests</th><th>duration</th><th>requests/s</th><th>errors</th>"
                + "<th>bytes read</th></tr>\n");
        html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.2f s</td><td>%.2f</td><td>%d</td><td>%d</td></tr>%n",
                r.requests, r.seconds(), r.requestsPerSecond(), r.errorTotal(), r.bytesRead));
        html.append("</table>\n<h2>Latency (ms)</h2>\n<table>\n<tr><th></th>");
        for (double p : Results.PERCENTILES) {
            html.append("<th>p").append(Results.trim(p)).append("</th>");
        }
        html.append("<th>max</th></tr>\n");
        latencyRow(r.options.openLoop() ? "corrected (from the intended send time)" : "latency", r.corrected, html);
        if (r.options.openLoop()) {
            latencyRow("uncorrected (from the actual send time)", r.uncorrected, html);
        }
        html.append("</table>\n<h2>Errors</h2>\n<table>\n<tr>");
        for (ErrorKind kind : ErrorKind.ALL) {
            html.append("<th>").append(kind.label).append("</th>");
        }
        html.append("</tr>\n<tr>");
        for (ErrorKind kind : ErrorKind.ALL) {
            html.append("<td>").append(r.errors(kind)).append("</td>");
        }
        html.append("</tr>\n</table>\n");
    }

    private static void latencyRow(String label, Histogram h, StringBuilder html) {
        html.append("<tr><td>").append(escape(label)).append("</td>");
        for (double p : Results.PERCENTILES) {
            html.append(String.format(Locale.ROOT, "<td>%.3f</td>", Results.millis(h, p)));
        }
        html.append(String.format(Locale.ROOT, "<td>%.3f</td></tr>%n", h.getMaxValue() / 1000.0));
    }

    /** x of percentile {@code p} (0..100): 0 at p0, 1 at p90, 2 at p99, ... */
    static double stretch(double p) {
        return p >= 100 ? Double.POSITIVE_INFINITY : Math.log10(100 / (100 - p));
    }

    private static void chart(Results r, StringBuilder html) {
        List<double[]> corrected = points(r.corrected);
        List<double[]> uncorrected = r.options.openLoop() ? points(r.uncorrected) : List.of();
        long count = Math.max(1, r.corrected.getTotalCount());
        // Up to the percentile that one sample in the run still stands for, at least 99.9.
        double maxX = Math.max(3, Math.ceil(Math.log10(count)));
        double maxY = Math.max(0.001, r.corrected.getMaxValue() / 1000.0) * 1.05;
        html.append("<h2>Latency by percentile</h2>\n")
                .append(String.format(Locale.ROOT, "<svg id=\"latency-chart\" width=\"%d\" height=\"%d\" "
                        + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"latency by percentile\">%n",
                        WIDTH, HEIGHT, WIDTH, HEIGHT))
                .append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        for (int i = 0; i <= maxX; i++) {
            double x = LEFT + plotW * i / maxX;
            String label = i == 0 ? "0%" : i == 1 ? "90%" : "99" + (i == 2 ? "" : "." + "9".repeat(i - 2)) + "%";
            html.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>%n",
                    x, TOP, x, TOP + plotH, x, TOP + plotH + 18, label));
        }
        for (int i = 0; i <= 5; i++) {
            double y = TOP + plotH - plotH * i / 5.0;
            html.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%.3g</text>%n",
                    LEFT, y, LEFT + plotW, y, LEFT - 6, y + 4, maxY * i / 5));
        }
        html.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">"
                + "percentile</text>%n", LEFT + plotW / 2, HEIGHT - 8));
        html.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 16 %d)\">latency (ms)</text>%n", TOP + plotH / 2, TOP + plotH / 2));
        polyline(corrected, "#1f63c6", maxX, maxY, html);
        polyline(uncorrected, "#e07b00", maxX, maxY, html);
        html.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#1f63c6\">%s</text>%n",
                LEFT + 10, TOP + 14, uncorrected.isEmpty() ? "latency" : "corrected"));
        if (!uncorrected.isEmpty()) {
            html.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#e07b00\">uncorrected</text>%n",
                    LEFT + 10, TOP + 30));
        }
        html.append("</svg>\n");
    }

    private static void polyline(List<double[]> points, String colour, double maxX, double maxY,
            StringBuilder html) {
        if (points.isEmpty()) {
            return;
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        html.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\" points=\"");
        for (double[] point : points) {
            double x = LEFT + plotW * Math.min(point[0], maxX) / maxX;
            double y = TOP + plotH - plotH * Math.min(point[1], maxY) / maxY;
            html.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        html.append("\"/>\n");
    }

    /** (stretched percentile, latency in ms) pairs, as HdrHistogram's percentile iteration gives them. */
    private static List<double[]> points(Histogram h) {
        List<double[]> points = new ArrayList<>();
        if (h.getTotalCount() == 0) {
            return points;
        }
        for (HistogramIterationValue v : h.percentiles(5)) {
            points.add(new double[] {stretch(v.getPercentileLevelIteratedTo()), v.getValueIteratedTo() / 1000.0});
        }
        return points;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
