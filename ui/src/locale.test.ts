import { isLanguageTag, repairNavigatorLanguage, usableLanguage } from './locale';

test('a language that is no tag ("C", WebKitGTK under LANG=C) is read as a valid one', () => {
  expect(isLanguageTag('en-GB')).toBe(true);
  expect(isLanguageTag('C')).toBe(false);
  expect(isLanguageTag('')).toBe(false);
  expect(usableLanguage('de-DE', ['de-DE'])).toBe('de-DE');
  expect(usableLanguage('C', ['C', 'fr-FR'])).toBe('fr-FR');
  expect(usableLanguage('C', ['C'])).toBe('en-US');
  const nav = { language: 'C', languages: ['C'] } as unknown as Navigator;
  repairNavigatorLanguage(nav);
  expect(nav.language).toBe('en-US');
  expect(nav.languages).toEqual(['en-US']);
  // What uPlot does at load no longer throws.
  expect(() => new Intl.NumberFormat(nav.language)).not.toThrow();
  const fine = { language: 'nl-NL', languages: ['nl-NL', 'en'] } as unknown as Navigator;
  repairNavigatorLanguage(fine);
  expect(fine.language).toBe('nl-NL');
  expect(fine.languages).toEqual(['nl-NL', 'en']);
});
