/**
 * Slack's Block Kit limits, checked the way Slack checks them: a payload over any limit is refused
 * whole (`invalid_blocks`). The fake Slack applies this to everything the bot sends, so a test that
 * posts an oversized record learns it the way production would.
 */
type Node = Record<string, unknown>;

const LIMITS = {
  messageBlocks: 50,
  surfaceBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  options: 100,
  optionText: 75,
  optionValue: 150,
  messageText: 40_000,
  modalTitle: 24,
  privateMetadata: 3000,
  imageAltText: 2000,
  imageTitle: 2000,
  imageUrl: 3000,
} as const;

/** What the blocks may refer to outside the payload: the files an image block's `slack_file` names. */
export interface BlockContext {
  /** Why this `slack_file` cannot be shown, or undefined when it can. */
  slackFileProblem?: (slackFile: unknown) => string | undefined;
}

const textOf = (value: unknown): string | undefined =>
  value && typeof value === 'object' ? ((value as Node).text as string | undefined) : undefined;

function elementProblems(element: Node, where: string, problems: string[], actionIds: Set<string>): void {
  const actionId = element.action_id as string | undefined;
  if (actionId !== undefined) {
    if (actionId.length > LIMITS.actionId) problems.push(`${where}: action_id over ${LIMITS.actionId}`);
    if (actionIds.has(actionId)) problems.push(`${where}: duplicate action_id ${actionId}`);
    actionIds.add(actionId);
  }
  if (element.type === 'button') {
    if ((textOf(element.text) ?? '').length > LIMITS.buttonText)
      problems.push(`${where}: button text over ${LIMITS.buttonText}`);
    if (typeof element.value === 'string' && element.value.length > LIMITS.buttonValue)
      problems.push(`${where}: button value over ${LIMITS.buttonValue}`);
    if (typeof element.url === 'string' && element.url.length > LIMITS.buttonUrl)
      problems.push(`${where}: button url over ${LIMITS.buttonUrl}`);
  }
  const options = element.options as Node[] | undefined;
  if (Array.isArray(options)) {
    if (options.length === 0 || options.length > LIMITS.options) problems.push(`${where}: ${options.length} options`);
    for (const option of options) {
      if ((textOf(option.text) ?? '').length > LIMITS.optionText)
        problems.push(`${where}: option text over ${LIMITS.optionText}`);
      if (typeof option.value === 'string' && option.value.length > LIMITS.optionValue)
        problems.push(`${where}: option value over ${LIMITS.optionValue}`);
    }
  }
}

function blockProblems(blocks: unknown, maxBlocks: number, refs: BlockContext = {}): string[] {
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) return ['blocks is not an array'];
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks (at most ${maxBlocks})`);
  const blockIds = new Set<string>();
  blocks.forEach((raw, index) => {
    const block = raw as Node;
    const where = `block ${index} (${String(block.type)})`;
    // action_ids are unique within their block; block_ids within the message or view.
    const actionIds = new Set<string>();
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > LIMITS.blockId) problems.push(`${where}: block_id over ${LIMITS.blockId}`);
      if (blockIds.has(block.block_id)) problems.push(`${where}: duplicate block_id ${block.block_id}`);
      blockIds.add(block.block_id);
    }
    switch (block.type) {
      case 'section': {
        const text = textOf(block.text);
        if (text !== undefined && (text.length > LIMITS.sectionText || text.length === 0))
          problems.push(`${where}: text ${text.length} chars`);
        if (text === undefined && !block.fields) problems.push(`${where}: neither text nor fields`);
        const fields = block.fields as Node[] | undefined;
        if (fields && fields.length > LIMITS.sectionFields) problems.push(`${where}: ${fields.length} fields`);
        for (const field of fields ?? [])
          if ((textOf(field) ?? '').length > LIMITS.fieldText)
            problems.push(`${where}: a field over ${LIMITS.fieldText}`);
        if (block.accessory) elementProblems(block.accessory as Node, where, problems, actionIds);
        break;
      }
      case 'header':
        if ((textOf(block.text) ?? '').length > LIMITS.headerText)
          problems.push(`${where}: header over ${LIMITS.headerText}`);
        break;
      case 'context': {
        const elements = (block.elements as Node[] | undefined) ?? [];
        if (elements.length > LIMITS.contextElements) problems.push(`${where}: ${elements.length} elements`);
        for (const element of elements)
          if ((textOf(element) ?? '').length > LIMITS.sectionText)
            problems.push(`${where}: element text over ${LIMITS.sectionText}`);
        break;
      }
      case 'actions': {
        const elements = (block.elements as Node[] | undefined) ?? [];
        if (elements.length === 0 || elements.length > LIMITS.actionsElements)
          problems.push(`${where}: ${elements.length} elements`);
        for (const element of elements) elementProblems(element, where, problems, actionIds);
        break;
      }
      case 'input':
        if (block.element) elementProblems(block.element as Node, where, problems, actionIds);
        break;
      // docs.slack.dev/reference/block-kit/blocks/image-block: alt_text required (2000), title
      // plain_text (2000), and an image_url (3000) or a slack_file, not both.
      case 'image': {
        const alt = block.alt_text;
        if (typeof alt !== 'string' || !alt || alt.length > LIMITS.imageAltText) problems.push(`${where}: alt_text`);
        if ((textOf(block.title) ?? '').length > LIMITS.imageTitle)
          problems.push(`${where}: title over ${LIMITS.imageTitle}`);
        if ((block.image_url === undefined) === (block.slack_file === undefined))
          problems.push(`${where}: needs exactly one of image_url and slack_file`);
        else if (typeof block.image_url === 'string' && block.image_url.length > LIMITS.imageUrl)
          problems.push(`${where}: image_url over ${LIMITS.imageUrl}`);
        else if (block.slack_file !== undefined) {
          const problem = refs.slackFileProblem?.(block.slack_file);
          if (problem) problems.push(`${where}: ${problem}`);
        }
        break;
      }
    }
  });
  return problems;
}

/** What Slack would refuse in a message payload (chat.postMessage, a response_url post, an unfurl). */
export function messageProblems(payload: Node, refs: BlockContext = {}): string[] {
  const problems = blockProblems(payload.blocks, LIMITS.messageBlocks, refs);
  if (typeof payload.text === 'string' && payload.text.length > LIMITS.messageText)
    problems.push(`text ${payload.text.length} chars`);
  return problems;
}

/** What Slack would refuse in a view (a modal, the Home tab). */
export function viewProblems(view: Node | undefined): string[] {
  if (!view) return [];
  const problems = blockProblems(view.blocks, LIMITS.surfaceBlocks);
  if ((textOf(view.title) ?? '').length > LIMITS.modalTitle) problems.push(`title over ${LIMITS.modalTitle}`);
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > LIMITS.privateMetadata)
    problems.push('private_metadata too long');
  return problems;
}

const unescapeLabel = (label: string) =>
  label.replace(/¦/g, '|').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Slack markup in the rendered text other than what the bot makes on purpose: links to records in
 * our EspoCRM, dates, channel and person references, and email or web addresses shown as themselves (a label that is
 * its own
 * address cannot pretend to be something else). Anything else is a ping, a mention or a spoof.
 */
export function unsafeMarkup(rendered: { text?: string; blocks?: unknown[] }, siteUrl: string): string[] {
  const texts: string[] = [rendered.text ?? ''];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      // plain_text is shown as it is: Slack parses no markup in it.
      if ((node as { type?: unknown }).type === 'plain_text') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') texts.push(value);
        else walk(value);
      }
    }
  };
  walk(rendered.blocks);
  const found = texts.flatMap((text) => [...text.matchAll(/<([^<>]*)>/g)].map((m) => m[1]!));
  return found.filter((inner) => {
    // The bot's own: record links, dates, and bare channel or person references it made itself
    // (data cannot produce these: its < and > are escaped; pings like <!channel> never pass).
    if (inner.startsWith(`${siteUrl}/#`) || /^!date\^\d+\^[^|]*\|/.test(inner) || /^[#@][CDGU][A-Z0-9]+$/.test(inner))
      return false;
    const own = /^(?:mailto:)?([^|]+)\|(.*)$/s.exec(inner);
    return !(own && unescapeLabel(own[2]!) === own[1] && /^(mailto:|https?:\/\/)/.test(inner));
  });
}
