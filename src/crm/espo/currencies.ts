import type { CurrencyFacts, MoneyAttributes } from '../../core/reports/ports.js';
import { isObject } from '../action-io.js';

/**
 * A currency field's attributes (Core/Utils/Database/Orm/FieldConverters/Currency.php): `amount`,
 * its code in `amountCurrency`, and `amountConverted`, which EspoCRM computes on every read of a
 * stored currency field as amount × the rate of its currency.
 */
export function espoMoney(field: string): MoneyAttributes {
  return { currency: `${field}Currency`, converted: `${field}Converted` };
}

/** EspoCRM's fallback when an instance says nothing (Resources/defaults/config.php). */
const DEFAULT_CURRENCY = 'USD';

function rateCodes(rates: unknown): string[] {
  if (!isObject(rates)) return [];
  return Object.entries(rates)
    .filter(([, rate]) => Number.isFinite(Number(rate)) && Number(rate) > 0)
    .map(([code]) => code);
}

/**
 * What `GET /Settings` and `GET /App/user` say of an instance's currencies, as the rates the
 * converted amounts were made with. Both are readable by any API user: `baseCurrency`,
 * `defaultCurrency`, `currencyList` and `currencyRates` are no admin items
 * (Resources/defaults/systemConfig.php, Tools/App/SettingsService::getConfigData); EspoCRM 9.1+ gives
 * the rates in `appParams.currencyRates` (Classes/AppParams/CurrencyRates.php). Converted amounts
 * are in the default currency: the default currency's rate is 1 and the others' are exchanged into
 * it (Core/ORM/QueryComposer/Part/FunctionConverters/CurrencyRate.php). A listed currency without a
 * rate is converted at 1.0 and one not listed at 0 there, so neither counts as rated.
 */
export function currencyFactsOf(settings: unknown, appUser: unknown): CurrencyFacts {
  const config = isObject(settings) ? settings : {};
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const base = text(config.baseCurrency) ?? DEFAULT_CURRENCY;
  const into = text(config.defaultCurrency) ?? base;
  const params = isObject(appUser) && isObject(appUser.appParams) ? appUser.appParams : {};
  const listed = Array.isArray(config.currencyList)
    ? config.currencyList.filter((code) => typeof code === 'string')
    : [];
  const rated = new Set([...rateCodes(config.currencyRates), ...rateCodes(params.currencyRates), base]);
  return { into, rated: [...rated].filter((code) => !listed.length || listed.includes(code)) };
}
