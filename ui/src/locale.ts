// The browser's language as libraries read it. WebKitGTK under `LANG=C` (a server's, a
// container's, a CI machine's locale) reports `navigator.language` as "C", which is no language
// tag: libraries that hand it to `Intl` (uPlot's number format, at load) then throw and take a
// page down. Such a language is read as the first valid one, else en-US.

/** Whether `tag` is a language tag `Intl` accepts. */
export function isLanguageTag(tag: string | undefined): tag is string {
  if (!tag) return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** The language to use in place of `language`, given the browser's `languages`. */
export function usableLanguage(language: string | undefined, languages: readonly string[] = []): string {
  if (isLanguageTag(language)) return language;
  return languages.find(isLanguageTag) ?? 'en-US';
}

/** Makes `navigator.language` (and `languages`) valid tags when the browser's are not. */
export function repairNavigatorLanguage(nav: Navigator = navigator): void {
  if (isLanguageTag(nav.language) && nav.languages.every(isLanguageTag)) return;
  const language = usableLanguage(nav.language, nav.languages);
  const languages = Object.freeze([language, ...nav.languages.filter(isLanguageTag).filter((l) => l !== language)]);
  Object.defineProperty(nav, 'language', { configurable: true, get: () => language });
  Object.defineProperty(nav, 'languages', { configurable: true, get: () => languages });
}
