import { Table, useComputedColorScheme } from '@mantine/core';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
  bars?: boolean;
}

/** A uPlot time chart that follows its container's width and the colour scheme. */
export function Chart({
  title,
  times,
  series,
  height = 220,
  unit,
  range,
}: {
  title: string;
  times: number[];
  series: Series[];
  height?: number;
  unit?: string;
  /** The time window shown (seconds), whatever the data covers. */
  range?: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  const dark = useComputedColorScheme('light') === 'dark';
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axis = dark ? '#c1c2c5' : '#495057';
    const grid = dark ? '#373a40' : '#e9ecef';
    const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height,
        legend: { show: true },
        scales: {
          x: range ? { time: true, range: () => range } : { time: true },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { stroke: axis, grid: { stroke: grid } },
          {
            stroke: axis,
            grid: { stroke: grid },
            size: 64,
            values: (_u, ticks) => ticks.map((t) => `${t}${unit ?? ''}`),
          },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: s.bars ? `${s.color}99` : undefined,
            width: s.bars ? 0 : 2,
            paths: s.bars ? bars : undefined,
            // Lines show their points too: a single interval with traffic is still visible.
            points: { show: !s.bars, size: 6 },
          })),
        ],
      },
      [times, ...series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, height, dark, unit, range]);
  return (
    <div>
      <div ref={box} role="img" aria-label={title} style={{ width: '100%' }} />
      <Figures title={title} times={times} series={series} unit={unit} />
    </div>
  );
}

/** The chart's figures as a table behind a disclosure: its text alternative. */
export function Figures({
  title,
  times,
  series,
  unit,
}: {
  title: string;
  times: number[];
  series: Series[];
  unit?: string;
}) {
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <details>
      <summary style={{ cursor: 'pointer', fontSize: 13 }}>The figures of “{title}”</summary>
      <Table.ScrollContainer minWidth={320} type="native" mah={280}>
        <Table aria-label={`Figures: ${title}`} verticalSpacing={2} fz="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Time</Table.Th>
              {series.map((s) => (
                <Table.Th key={s.label}>{s.label}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {times.map((t, i) => (
              <Table.Tr key={t}>
                <Table.Td>{when.format(new Date(t * 1000))}</Table.Td>
                {series.map((s) => (
                  <Table.Td key={s.label}>
                    {s.values[i] == null ? '—' : `${Number(s.values[i]).toLocaleString()}${unit ?? ''}`}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </details>
  );
}
