import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** A CSS colour for the line. */
  stroke: string;
  values: (number | null)[];
}

interface TimeChartProps {
  /** Seconds since the epoch, one per point, ascending. */
  times: number[];
  series: ChartSeries[];
  /** Said to screen readers in place of the canvas. */
  summary: string;
  height?: number;
}

/** A time-series line chart drawn by uPlot, resized with its container. */
export function TimeChart({ times, series, summary, height = 220 }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.stroke}`).join('|');

  // (Re)build the plot when the series change shape; new data alone goes through setData below.
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } })),
      ],
      axes: [{}, { size: 50 }],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      legend: { live: false },
    };
    plot.current = new uPlot(options, [times, ...series.map((s) => s.values)], el);
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The data is applied by the next effect; rebuilding on every poll would flicker.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);

  return (
    <figure className="chart">
      <div ref={container} role="img" aria-label={summary} />
    </figure>
  );
}
