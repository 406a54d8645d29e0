import { createRequire } from 'node:module';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import { FONT_FAMILY } from './bar-chart.js';

/**
 * SVG to PNG with resvg, off the event loop (its renderAsync runs on libuv's pool). The font is the
 * DejaVu Sans TTF the package ships, loaded by path and never from the system: the same chart is
 * the same bytes on a laptop and on the slim Docker image, which has no fonts at all.
 */
const fontFile = (name: string) => createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${name}`);

const OPTIONS: ResvgRenderOptions = {
  font: {
    fontFiles: [fontFile('DejaVuSans.ttf'), fontFile('DejaVuSans-Bold.ttf')],
    loadSystemFonts: false,
    defaultFontFamily: FONT_FAMILY,
  },
  // Twice the SVG's size: sharp on high-density screens, where Slack shows images at half size.
  fitTo: { mode: 'zoom', value: 2 },
  logLevel: 'off',
};

export async function svgToPng(svg: string): Promise<Buffer> {
  const image = await renderAsync(svg, OPTIONS);
  return image.asPng();
}
