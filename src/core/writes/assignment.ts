import { AppError } from '../errors.js';
import type { PersonLookup } from '../people.js';
import type { EntityDirectory, EntityInfo, WritePlan } from '../ports.js';
import { commandText } from '../text.js';

/**
 * Who new records are assigned to. EspoCRM gives the records an API user creates no assignee
 * (Core/Record/Defaults/DefaultPopulator assigns the creator only when they may not edit the field),
 * and a task, meeting or call must have one (entityDefs `assignedUser: {required: true}`): sent
 * without, it is refused with 400 validationFailure. So a new record is assigned to the person who
 * asks for it, unless they named someone, and a required assignee nobody can be found for is said
 * before anything is sent.
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The record a write creates, if it creates one: a `create`, a create action (its fields flat or
 * under `fields`, as Membrane's actions take them) or a REST request that creates a record.
 */
export function newRecordOf(
  plan: WritePlan,
  entities: EntityDirectory,
): { entity: EntityInfo; fields: Record<string, unknown> } | undefined {
  switch (plan.kind) {
    case 'create':
      return { entity: entities.resolve(plan.entity), fields: plan.fields };
    case 'run': {
      const word = entities.createdBy({ actionKey: plan.key });
      if (!word || !isObject(plan.input)) return undefined;
      return { entity: entities.resolve(word), fields: isObject(plan.input.fields) ? plan.input.fields : plan.input };
    }
    case 'proxy': {
      const name = entities.createdBy({ request: plan.request });
      return name && isObject(plan.request.body)
        ? { entity: entities.resolve(name), fields: plan.request.body }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** The write with the record it creates assigned to `userId`, when that record has an assignee and names none. */
export function assignNewRecord(plan: WritePlan, entities: EntityDirectory, userId: string): WritePlan {
  const created = newRecordOf(plan, entities);
  if (!created?.entity.assignedUser || created.fields.assignedUserId !== undefined) return plan;
  const fields = { ...created.fields, assignedUserId: userId };
  switch (plan.kind) {
    case 'create':
      return { ...plan, fields };
    case 'run': {
      const input = plan.input as Record<string, unknown>;
      return { ...plan, input: isObject(input.fields) ? { ...input, fields } : fields };
    }
    case 'proxy':
      return { ...plan, request: { ...plan.request, body: fields } };
    default:
      return plan;
  }
}

/** Why a record that needs an assignee has none, and what the person can do about it. */
export function assigneeMissing(
  entity: EntityInfo,
  lookup: Exclude<PersonLookup, { kind: 'found' }> | { kind: 'cleared' },
): AppError {
  const noun = entity.label.toLowerCase();
  const name = `\`assignedUserId=<their EspoCRM user id>\` (${commandText('find user <name>')} shows the ids)`;
  const text = {
    cleared: `A ${noun} in EspoCRM has to be assigned to someone, so it cannot be left without one: give ${name}.`,
    no_email: `A ${noun} in EspoCRM has to be assigned to someone, and I can't tell who you are there: Slack doesn't share your email address with me. Nothing was sent. Say whom to assign it to with ${name}, or ask whoever runs this bot to give it Slack's users:read.email scope, so new records are assigned to you.`,
    no_match: `A ${noun} in EspoCRM has to be assigned to someone, and no EspoCRM user has your Slack email (\`${lookup.kind === 'no_match' ? lookup.email : ''}\`), so I can't tell who you are there. Nothing was sent. Say whom to assign it to with ${name}, or ask an EspoCRM admin to put that email on your EspoCRM user, so new records are assigned to you.`,
  }[lookup.kind];
  return new AppError('validation', text);
}
