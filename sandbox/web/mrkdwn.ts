/**
 * Slack's mrkdwn, parsed into a tree the page turns into DOM nodes (never into HTML text), as
 * docs.slack.dev/messaging/formatting-message-text describes it: *bold*, _italic_, ~strike~,
 * `code`, ```preformatted```, lines starting with > as quotes, <url|label> links, <@U…> people,
 * <#C…|name> channels, <!here>/<!channel>/<!everyone>, <!date^…^…|fallback> dates, :emoji:, and
 * the three escapes &amp; &lt; &gt;. Pure, so Node tests and the browser share it.
 */
export type MrkdwnNode =
  | { t: 'text'; text: string }
  | { t: 'bold' | 'italic' | 'strike'; children: MrkdwnNode[] }
  | { t: 'code'; text: string }
  | { t: 'pre'; text: string }
  | { t: 'quote'; children: MrkdwnNode[] }
  | { t: 'br' }
  | { t: 'link'; url: string; label: string }
  | { t: 'user'; id: string; label?: string }
  | { t: 'channel'; id: string; label?: string }
  | { t: 'broadcast'; name: string }
  | { t: 'date'; seconds: number; format: string; link?: string; fallback: string }
  | { t: 'emoji'; name: string; char: string };

/** Slack's shortcodes for the emoji the bot and a sales team use most; others stay as `:name:`. */
export const EMOJI: Record<string, string> = {
  warning: '⚠️',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  white_circle: '⚪',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  large_orange_circle: '🟠',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  bell: '🔔',
  wastebasket: '🗑️',
  tada: '🎉',
  spiral_calendar_pad: '🗓️',
  calendar: '📆',
  seedling: '🌱',
  satellite_antenna: '📡',
  moneybag: '💰',
  mag: '🔍',
  link: '🔗',
  information_source: 'ℹ️',
  eyes: '👀',
  electric_plug: '🔌',
  memo: '📝',
  telephone_receiver: '📞',
  email: '📧',
  rocket: '🚀',
  fire: '🔥',
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  smile: '😄',
  slightly_smiling_face: '🙂',
  wave: '👋',
  star: '⭐',
  chart_with_upwards_trend: '📈',
  handshake: '🤝',
  pushpin: '📌',
  clock3: '🕒',
  lock: '🔒',
};

/** The three entities Slack uses (docs: "Escaping text"); nothing else is decoded. */
export function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Emoji shortcodes in plain text (`plain_text` with `emoji: true`), as text. */
export function emojify(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

export function parseMrkdwn(source: string): MrkdwnNode[] {
  const nodes: MrkdwnNode[] = [];
  const pieces = source.split('```');
  pieces.forEach((piece, index) => {
    const fenced = index % 2 === 1;
    if (fenced && index < pieces.length - 1) {
      nodes.push({ t: 'pre', text: decode(piece.replace(/^\n/, '').replace(/\n$/, '')) });
      return;
    }
    // An unclosed fence is text. The line break next to a block belongs to the block.
    let text = fenced ? `\`\`\`${piece}` : piece;
    if (!fenced && index > 0) text = text.replace(/^\n/, '');
    if (!fenced && index + 2 < pieces.length) text = text.replace(/\n$/, '');
    nodes.push(...parseLines(text));
  });
  // Pieces split at an unclosed fence join up again.
  return nodes.reduce<MrkdwnNode[]>((merged, node) => {
    const last = merged.at(-1);
    if (last?.t === 'text' && node.t === 'text') last.text += node.text;
    else merged.push(node);
    return merged;
  }, []);
}

/** Lines: runs of lines starting with `>` are quotes; the others are joined by line breaks. */
function parseLines(text: string): MrkdwnNode[] {
  if (!text) return [];
  const nodes: MrkdwnNode[] = [];
  let quote: string[] | undefined;
  const endQuote = () => {
    if (!quote) return;
    nodes.push({ t: 'quote', children: joinLines(quote) });
    quote = undefined;
  };
  text.split('\n').forEach((line, index) => {
    if (line.startsWith('>')) {
      quote ??= [];
      quote.push(line.slice(1).replace(/^ /, ''));
      return;
    }
    const hadQuote = Boolean(quote);
    endQuote();
    if (index > 0 && !hadQuote) nodes.push({ t: 'br' });
    nodes.push(...parseInline(line));
  });
  endQuote();
  return nodes;
}

function joinLines(lines: string[]): MrkdwnNode[] {
  return lines.flatMap((line, index) => [...(index > 0 ? [{ t: 'br' } as const] : []), ...parseInline(line)]);
}

const STYLES: Record<string, 'bold' | 'italic' | 'strike'> = { '*': 'bold', _: 'italic', '~': 'strike' };
const WORD = /[\p{L}\p{N}]/u;

/** A style marker opens at a word's start, before a non-space. */
function opens(text: string, at: number): boolean {
  const before = text[at - 1];
  const after = text[at + 1];
  return (before === undefined || !WORD.test(before)) && after !== undefined && !/\s/.test(after);
}

/**
 * Where a style marker closes: after a non-space, at a word's end. Links and code are whole: a
 * marker inside `<…|label>` or `code` closes nothing.
 */
function closing(text: string, at: number, marker: string): number {
  for (let end = at + 1; end < text.length; end++) {
    const char = text[end]!;
    const span = char === '<' ? text.indexOf('>', end + 1) : char === '`' ? text.indexOf('`', end + 1) : -1;
    if (span > 0) {
      end = span;
      continue;
    }
    if (char !== marker || end === at + 1) continue;
    const after = text[end + 1];
    if (!/\s/.test(text[end - 1]!) && (after === undefined || !WORD.test(after))) return end;
  }
  return -1;
}

function parseInline(text: string): MrkdwnNode[] {
  const nodes: MrkdwnNode[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer) nodes.push({ t: 'text', text: decode(buffer) });
    buffer = '';
  };
  for (let at = 0; at < text.length;) {
    const char = text[at]!;
    if (char === '<') {
      const end = text.indexOf('>', at + 1);
      const node = end > at + 1 ? angle(text.slice(at + 1, end)) : undefined;
      if (node) {
        flush();
        nodes.push(node);
        at = end + 1;
        continue;
      }
    } else if (char === '`') {
      const end = text.indexOf('`', at + 1);
      if (end > at + 1) {
        flush();
        nodes.push({ t: 'code', text: decode(text.slice(at + 1, end)) });
        at = end + 1;
        continue;
      }
    } else if (STYLES[char] && opens(text, at)) {
      const end = closing(text, at, char);
      if (end > 0) {
        flush();
        nodes.push({ t: STYLES[char]!, children: parseInline(text.slice(at + 1, end)) });
        at = end + 1;
        continue;
      }
    } else if (char === ':') {
      const match = /^:([a-z0-9_+-]+):/.exec(text.slice(at));
      const emoji = match && EMOJI[match[1]!];
      if (match && emoji) {
        flush();
        nodes.push({ t: 'emoji', name: match[1]!, char: emoji });
        at += match[0].length;
        continue;
      }
    }
    buffer += char;
    at += 1;
  }
  flush();
  return nodes;
}

/** What `<…>` holds: a person, a channel, a special mention or date, or a link. */
function angle(inner: string): MrkdwnNode | undefined {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? decode(inner.slice(bar + 1)) : undefined;
  if (target.startsWith('@')) return { t: 'user', id: target.slice(1), ...(label ? { label } : {}) };
  if (target.startsWith('#')) return { t: 'channel', id: target.slice(1), ...(label ? { label } : {}) };
  if (target.startsWith('!')) {
    const [command, ...args] = target.slice(1).split('^');
    if (command === 'here' || command === 'channel' || command === 'everyone') return { t: 'broadcast', name: command };
    if (command === 'date' && Number.isFinite(Number(args[0]))) {
      return {
        t: 'date',
        seconds: Number(args[0]),
        format: decode(args[1] ?? ''),
        ...(args[2] ? { link: decode(args[2]) } : {}),
        fallback: label ?? '',
      };
    }
    return label ? { t: 'text', text: label } : undefined;
  }
  if (!target.trim()) return undefined;
  const url = decode(target);
  return { t: 'link', url, label: label ?? url };
}

/** A link's address, if it is one the page may open: web and mail addresses only. */
export function safeHref(url: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(url.trim()) ? url.trim() : undefined;
}

const ordinal = (day: number) =>
  `${day}${day % 10 === 1 && day !== 11 ? 'st' : day % 10 === 2 && day !== 12 ? 'nd' : day % 10 === 3 && day !== 13 ? 'rd' : 'th'}`;

/**
 * `<!date^seconds^format|fallback>` as Slack shows it to a reader in `timeZone`
 * (docs.slack.dev/messaging/formatting-message-text#date-formatting): {date_num}, {date},
 * {date_short}, {date_long}, their _pretty forms ("yesterday", "today", "tomorrow"), {time},
 * {time_secs} and {ago}; any other text is kept.
 */
export function formatSlackDate(seconds: number, format: string, now: Date, timeZone: string): string {
  const when = new Date(seconds * 1000);
  const part = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-US', { timeZone, ...options }).format(when);
  const dayOf = (date: Date) =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
  const dayNumber = Number(part({ day: 'numeric' }));
  const relative = () => {
    const offset = Math.round((Date.parse(dayOf(when)) - Date.parse(dayOf(now))) / 86_400_000);
    return offset === 0 ? 'today' : offset === -1 ? 'yesterday' : offset === 1 ? 'tomorrow' : undefined;
  };
  const tokens: Record<string, () => string> = {
    date_num: () => dayOf(when),
    date: () => `${part({ month: 'long' })} ${ordinal(dayNumber)}, ${part({ year: 'numeric' })}`,
    date_short: () => part({ month: 'short', day: 'numeric', year: 'numeric' }),
    date_long: () =>
      `${part({ weekday: 'long' })}, ${part({ month: 'long' })} ${ordinal(dayNumber)}, ${part({ year: 'numeric' })}`,
    date_pretty: () => relative() ?? tokens.date!(),
    date_short_pretty: () => relative() ?? tokens.date_short!(),
    date_long_pretty: () => relative() ?? tokens.date_long!(),
    time: () => part({ hour: 'numeric', minute: '2-digit' }),
    time_secs: () => part({ hour: 'numeric', minute: '2-digit', second: '2-digit' }),
    ago: () => {
      const minutes = Math.round((now.getTime() - when.getTime()) / 60_000);
      if (Math.abs(minutes) < 1) return 'just now';
      const [value, unit] =
        Math.abs(minutes) < 60
          ? [minutes, 'minute']
          : Math.abs(minutes) < 1440
            ? [Math.round(minutes / 60), 'hour']
            : [Math.round(minutes / 1440), 'day'];
      const count = Math.abs(value as number);
      return `${count} ${unit}${count === 1 ? '' : 's'} ${(value as number) > 0 ? 'ago' : 'from now'}`;
    },
  };
  if (!Number.isFinite(when.getTime())) return '';
  return format.replace(/\{(\w+)\}/g, (whole, token: string) => (tokens[token] ? tokens[token]!() : whole));
}
