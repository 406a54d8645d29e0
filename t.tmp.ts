import { startEvalBot } from './eval/bot.js';
import { textOf } from './test/support/harness.js';
const bot = await startEvalBot();
for (const q of ['how many deals over 100k', 'how many tasks are due today', 'how many overdue tasks do I have']) {
  const a = await bot.ask(q);
  console.log('====', q, JSON.stringify(a).slice(0, 1500));
}
await bot.close?.();
process.exit(0);
