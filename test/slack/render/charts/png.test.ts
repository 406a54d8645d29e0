import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { barChartOf, barChartSvg } from '../../../../src/slack/render/charts/bar-chart.js';
import { svgToPng } from '../../../../src/slack/render/charts/png.js';
import { countReport, pipelineReport } from '../../../support/reports.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG's chunks, by the format's layout: length, type, data, CRC. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  const found: { type: string; data: Buffer }[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    found.push({
      type: png.subarray(offset + 4, offset + 8).toString('latin1'),
      data: png.subarray(offset + 8, offset + 8 + length),
    });
    offset += 12 + length;
  }
  return found;
}

describe('chart PNG', () => {
  it('is a PNG twice the size of its SVG, whose pixel data decodes to the full image', async () => {
    const svg = barChartSvg(barChartOf(pipelineReport()));
    const [, svgWidth, svgHeight] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const png = await svgToPng(svg);
    expect(png.subarray(0, 8)).toEqual(SIGNATURE);
    const all = chunks(png);
    expect(all[0]!.type).toBe('IHDR');
    expect(all.at(-1)!.type).toBe('IEND');
    const ihdr = all[0]!.data;
    const width = ihdr.readUInt32BE(0);
    const height = ihdr.readUInt32BE(4);
    expect([width, height]).toEqual([svgWidth! * 2, svgHeight! * 2]);
    const [bitDepth, colourType] = [ihdr[8]!, ihdr[9]!];
    const channels = { 2: 3, 6: 4, 0: 1, 4: 2 }[colourType]!;
    const pixels = inflateSync(Buffer.concat(all.filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data)));
    // One filter byte per row, then the row's pixels.
    expect(pixels.length).toBe(height * (1 + (width * channels * bitDepth) / 8));
  });

  it('is the same bytes for the same report (a bundled font, no system fonts)', async () => {
    const svg = barChartSvg(
      barChartOf(
        countReport([
          ['Web', 3],
          ['Call', 2],
          ['Email', 1],
        ]),
      ),
    );
    const [first, second] = await Promise.all([svgToPng(svg), svgToPng(svg)]);
    expect(first.equals(second)).toBe(true);
    expect(
      first.equals(
        await svgToPng(
          barChartSvg(
            barChartOf(
              countReport([
                ['Web', 4],
                ['Call', 2],
              ]),
            ),
          ),
        ),
      ),
    ).toBe(false);
  });

  it('draws the text with the bundled font: a chart without text differs from one with it', async () => {
    const svg = barChartSvg(
      barChartOf(
        countReport([
          ['Web', 3],
          ['Call', 2],
        ]),
      ),
    );
    const blank = svg.replace(/<text [^>]*>[^<]*<\/text>/g, '');
    expect((await svgToPng(svg)).equals(await svgToPng(blank))).toBe(false);
  });
});
