/**
 * Slack's external file upload, as the fake Slack (server.ts) serves it, and what an image block's
 * `slack_file` may point at. The three steps follow docs.slack.dev/reference/methods/files.getUploadURLExternal
 * and docs.slack.dev/reference/methods/files.completeUploadExternal; the bytes are kept so tests can
 * read exactly what the bot uploaded.
 */
type Node = Record<string, unknown>;

export interface FakeFile {
  id: string;
  filename: string;
  /** The size the app announced to files.getUploadURLExternal. */
  length: number;
  altTxt?: string;
  title?: string;
  /** What was POSTed to the upload URL (the file part of a multipart body, or the raw body). */
  bytes?: Buffer;
  /** files.completeUploadExternal was called for it. */
  completed: boolean;
  /** The workspace of the token that asked for the upload URL. */
  team: string;
  /** Shared into a channel by completeUploadExternal; without one the file stays private. */
  channel?: string;
  /** When Slack has processed it (epoch ms): until then it has no mimetype and no block may show it. */
  processedAt?: number;
}

/** files.getUploadURLExternal: "alt_txt_too_large: … longer than the limit of 1000 character". */
const MAX_ALT_TXT = 1000;

const error = (code: string): Node => ({ ok: false, error: code });

export class FakeFiles {
  readonly byId = new Map<string, FakeFile>();
  /** Refuse every image block that shows a `slack_file` (`invalid_blocks`), whatever the file. */
  refuseSlackFileBlocks = false;
  /**
   * How long Slack takes to process an upload after files.completeUploadExternal. Slack completes
   * uploads asynchronously: right after it, a file's `mimetype` is still "" and a message showing
   * it is refused ("invalid slack file"); Slack's engineers suggest polling files.info until it is
   * known (slackapi/slack-github-action#413, slackapi/node-slack-sdk#2170, python-slack-sdk#1521).
   * 0: processed at once, as a quiet Slack often is.
   */
  processingMs = 0;
  private counter = 0;

  constructor(private readonly baseUrl: () => string) {}

  /**
   * files.getUploadURLExternal: `filename` and `length` required (a 0 length is `missing_argument`
   * in the method's errors), `alt_txt` optional. The upload URL is on this fake's own server.
   */
  uploadUrl(body: Node, team: string): Node {
    const length = Number(body.length);
    const filename = typeof body.filename === 'string' ? body.filename : '';
    if (!filename || !Number.isInteger(length) || length <= 0) return error('missing_argument');
    const altTxt = typeof body.alt_txt === 'string' ? body.alt_txt : undefined;
    if (altTxt !== undefined && altTxt.length > MAX_ALT_TXT) return error('alt_txt_too_large');
    const id = `F${String(++this.counter).padStart(9, '0')}`;
    this.byId.set(id, { id, filename, length, altTxt, completed: false, team });
    return { ok: true, upload_url: `${this.baseUrl()}/upload/v1/${id}`, file_id: id };
  }

  /**
   * The POST to the upload URL: "Files can be sent as raw bytes or can be multipart form encoded.
   * Slack will return HTTP 200 if the upload is successful; a non-200 response indicates a failure."
   * Slack's answer body is text (`OK - <bytes>`).
   */
  async upload(id: string, raw: Buffer, contentType: string): Promise<{ status: number; body: string }> {
    const file = this.byId.get(id);
    if (!file || file.completed) return { status: 404, body: 'file_not_found' };
    let bytes = raw;
    if (contentType.includes('multipart/form-data')) {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
      const part = [...form.values()].find((value) => typeof value !== 'string');
      if (!part || typeof part === 'string') return { status: 400, body: 'no_file_data' };
      bytes = Buffer.from(await part.arrayBuffer());
    }
    file.bytes = bytes;
    return { status: 200, body: `OK - ${bytes.length}` };
  }

  /**
   * files.completeUploadExternal: `files` is `[{ id, title }]`; each must have been uploaded by the
   * same workspace's app, with the length it announced. No channel_id: "the file will be private".
   */
  complete(body: Node, team: string): Node {
    const list = body.files;
    if (!Array.isArray(list) || list.length === 0) return error('invalid_arguments');
    const files: FakeFile[] = [];
    for (const entry of list as Node[]) {
      const file = this.byId.get(String(entry.id ?? ''));
      if (!file || file.team !== team || !file.bytes) return error('file_not_found');
      if (file.bytes.length !== file.length) return error('file_upload_size_mismatch');
      files.push(file);
    }
    for (const [index, file] of files.entries()) {
      file.completed = true;
      file.processedAt = Date.now() + this.processingMs;
      const title = (list as Node[])[index]!.title;
      file.title = typeof title === 'string' ? title : file.filename;
      if (typeof body.channel_id === 'string') file.channel = body.channel_id;
    }
    return {
      ok: true,
      files: files.map((file) => ({
        id: file.id,
        name: file.filename,
        title: file.title,
        // Not yet known: Slack answers completeUploadExternal before it has processed the file.
        mimetype: this.mimetypeOf(file),
        size: file.length,
        url_private: `${this.baseUrl()}/files/${file.id}`,
        ...(file.altTxt ? { alt_txt: file.altTxt } : {}),
      })),
    };
  }

  /** files.info (`file`): the file as Slack knows it now; its mimetype once processed. */
  info(body: Node, team: string): Node {
    const file = this.byId.get(String(body.file ?? ''));
    if (!file || file.team !== team || !file.completed) return error('file_not_found');
    return {
      ok: true,
      file: { id: file.id, name: file.filename, title: file.title, mimetype: this.mimetypeOf(file), size: file.length },
    };
  }

  private mimetypeOf(file: FakeFile): string {
    if (file.processedAt === undefined || Date.now() < file.processedAt) return '';
    return file.filename.endsWith('.png') ? 'image/png' : 'application/octet-stream';
  }

  /**
   * Why an image block's `slack_file` cannot be shown, if it cannot: "you must provide either the URL
   * or ID", and "the user posting these blocks must have access to this file"
   * (docs.slack.dev/reference/block-kit/composition-objects/slack-file-object). The fake's files are
   * the app's own, so access means: uploaded and completed by the app in this workspace (`team`,
   * unknown for a response_url post, which carries no token).
   */
  slackFileProblem(slackFile: unknown, team?: string): string | undefined {
    if (this.refuseSlackFileBlocks) return 'slack_file images are refused';
    const ref = (slackFile ?? {}) as Node;
    if ((ref.id === undefined) === (ref.url === undefined)) return 'slack_file needs exactly one of id and url';
    const file =
      typeof ref.id === 'string'
        ? this.byId.get(ref.id)
        : [...this.byId.values()].find((each) => ref.url === `${this.baseUrl()}/files/${each.id}`);
    if (!file) return 'slack_file not found';
    if (!file.completed) return 'slack_file upload not completed';
    if (!this.mimetypeOf(file)) return 'invalid slack file';
    if (team !== undefined && file.team !== team) return 'slack_file belongs to another workspace';
    return undefined;
  }
}
