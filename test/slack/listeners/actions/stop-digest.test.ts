import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import type { WritePlan } from '../../../../src/core/ports.js';
import { stopDigest } from '../../../../src/slack/listeners/actions/stop-digest.js';
import { click, expectAckedBefore, fakeDeps, notice, onlyReply } from '../fakes.js';

const stop = { kind: 'digest_cancel', id: 'dg-1' } as unknown as WritePlan;

describe('Stop on a listed digest', () => {
  it('plans the stop for the clicker (with their admin flag) and submits it at once, replacing the list', async () => {
    const fakes = fakeDeps();
    fakes.digests.planStop.mockResolvedValueOnce(stop);
    fakes.service.submit.mockResolvedValueOnce(notice('Stopped the digest.'));
    const { args, ack, respond } = click({ action_id: 'espo_digest_stop', value: 'dg-1' });

    await stopDigest(fakes.deps)(args);

    expectAckedBefore(ack, fakes.digests.planStop);
    expect(fakes.digests.planStop).toHaveBeenCalledWith(
      expect.objectContaining({ userId: 'U1', isWorkspaceAdmin: false }),
      'dg-1',
    );
    expect(fakes.service.submit).toHaveBeenCalledWith(expect.objectContaining({ userId: 'U1' }), stop);
    expect(onlyReply(respond)).toMatchObject({ text: 'Stopped the digest.', replace_original: true });
  });

  it('tells someone who may not stop it, in a new message that keeps the list', async () => {
    const fakes = fakeDeps();
    fakes.digests.planStop.mockRejectedValueOnce(
      new AppError('forbidden', 'Only its creator or an admin can stop it.'),
    );
    const { args, respond } = click({ action_id: 'espo_digest_stop', value: 'dg-1' });

    await stopDigest(fakes.deps)(args);

    expect(fakes.service.submit).not.toHaveBeenCalled();
    expect(onlyReply(respond)).toMatchObject({
      text: 'Only its creator or an admin can stop it.',
      replace_original: false,
    });
  });

  it('refuses a button value that is no digest id', async () => {
    const fakes = fakeDeps();
    const { args, respond } = click({ action_id: 'espo_digest_stop', value: 'dg 1; drop' });

    await stopDigest(fakes.deps)(args);

    expect(fakes.digests.planStop).not.toHaveBeenCalled();
    expect(String(onlyReply(respond).text)).toMatch(
      /^That Stop button is no longer valid\. Run `\/espo digests` again\.$/,
    );
  });
});
