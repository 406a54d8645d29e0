import { describe, expect, it } from 'vitest';
import { fastPathCommand } from '../../../src/core/conversation/fast-path.js';
import { EspoEntityDirectory } from '../../../src/crm/espo/entities.js';

const entities = new EspoEntityDirectory();
const now = new Date('2026-11-25T12:00:00Z');
const fast = (text: string) => fastPathCommand(text, entities, now, 'America/New_York');

describe('fastPathCommand', () => {
  it.each([
    'list leads status=New',
    'list deals stage=Prospecting,Qualification amount>10k limit=20',
    'create task name="Call Bob"',
    'create task name="Call Bob" dateEnd=tomorrow priority=High',
    'show lead 5f3a1b2c3d4e5f607',
    'get lead 5f3a1b2c3d4e5f607',
    'show https://crm.example.com/#Lead/view/5f3a1b2c3d4e5f607',
    'update https://crm.example.com/#Opportunity/view/5f3a1b2c3d4e5f607 stage=Negotiation',
    'update lead 5f3a1b2c3d4e5f607 status="In Process"',
    'delete task 5f3a1b2c3d4e5f607',
    'find contacts Acme',
    'find account acme corp',
    'list CProject',
    'api GET /Lead?maxSize=5',
    'run list-leads {"maxSize": 5}',
    'actions create a task',
    'status',
    'connect',
    'help list',
    'count leads status=New',
    'sum deals amount by stage',
    'report leads by source',
    'pipeline this quarter',
    'pipeline mine',
  ])('runs the slash grammar %j as it is', (text) => {
    expect(fast(text)).toBe(text);
  });

  it('cleans politeness and punctuation off a command', () => {
    expect(fast('  please list leads status=New  ')).toBe('list leads status=New');
    expect(fast('can you list leads?')).toBe('list leads');
    expect(fast('list leads please!')).toBe('list leads');
  });

  it.each([
    ['show deals', 'list deals'],
    ['show me all deals', 'list deals'],
    ['show deals please', 'list deals'],
    ['Can you show me all deals?', 'list deals'],
    ['give me the leads', 'list leads'],
    ['get tasks', 'list tasks'],
    ['list all the opportunities.', 'list opportunities'],
    ['Hi!', 'help'],
    ['hello', 'help'],
    ['Hey?', 'help'],
    ['what can you do?', 'help'],
    ['help', 'help'],
    ['hey there', 'help'],
    ['good morning!', 'help'],
    ['how do I use this', 'help'],
  ])('reads the obvious phrasing %j as %j', (text, command) => {
    expect(fast(text)).toBe(command);
  });

  it.each([
    'show my open deals',
    'show my open deals closing this month over 10k',
    'find contacts at Acme',
    'find leads named Bob',
    'find contacts Jane Doe from Acme Corp',
    'delete that lead',
    'update the deal stage=x',
    'list my open deals',
    'move that deal to Closed Won',
    'create a task to call Bob',
    'create a task to call Bob tomorrow at 10',
    'show lead Bob',
    'show me all projects',
    'show deal',
    'https://crm.example.com/#Lead/view/5f3a1b2c3d4e5f607',
    'who are my biggest accounts?',
    'hi, list my leads',
    'count my open deals',
    'report on the Acme deal',
    'sum up what happened with Globex',
    'pipeline looks thin, what should I do',
    '',
  ])('leaves the sentence %j to the model', (text) => {
    expect(fast(text)).toBeUndefined();
  });

  it.each([
    'status of the Acme deal',
    'connect me with Bob from Acme',
    'disconnect the call with Acme',
    'help me create a lead for Acme',
  ])('leaves the sentence %j, which starts with a bare subcommand, to the model', (text) => {
    expect(fast(text)).toBeUndefined();
  });
});

describe('fastPathCommand, precision first', () => {
  it.each([
    'find deals closing this month',
    'find tasks due tomorrow',
    'find deals over 10k',
    'find leads created last week',
    'find open deals',
    'find my tasks',
    'find deals won in march',
  ])('leaves %j, a filter in words, to the understanding layer rather than searching its text', (text) => {
    expect(fast(text)).toBeUndefined();
  });

  it('still runs a text search for a name', () => {
    expect(fast('find contacts Acme')).toBe('find contacts Acme');
    expect(fast('find account globex corp')).toBe('find account globex corp');
  });
});
