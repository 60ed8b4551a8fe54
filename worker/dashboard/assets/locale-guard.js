// First of the page's scripts, before uPlot. uPlot (and any `Intl` call handed
// `navigator.language`) throws RangeError on a locale that is no BCP 47 tag, such as the
// `en-US@posix` a POSIX-locale Chromium reports; uPlot does so while loading, which would stop
// every script after it. Such a tag is replaced on this page by its usable part, or by 'en-US'.
(() => {
  const FALLBACK = 'en-US';

  function usable(tag) {
    if (typeof tag !== 'string' || tag === '') return null;
    try {
      return Intl.getCanonicalLocales(tag)[0] ?? null;
    } catch {
      return null;
    }
  }

  /** `en-US@posix` → `en-US`, `de_DE.UTF-8` → `de-DE`; otherwise the fallback. */
  function repaired(tag) {
    return usable(tag) ?? usable(String(tag).split(/[@.]/)[0].replaceAll('_', '-')) ?? FALLBACK;
  }

  const language = navigator.language;
  const languages = Array.from(navigator.languages ?? []);
  if (usable(language) !== null && languages.every((tag) => usable(tag) !== null)) return;

  const fixedLanguage = repaired(language);
  const fixedLanguages = Object.freeze([...new Set(languages.map(repaired))]);
  const overrides = {
    language: () => fixedLanguage,
    languages: () => (fixedLanguages.length > 0 ? fixedLanguages : Object.freeze([fixedLanguage])),
  };
  for (const [name, get] of Object.entries(overrides)) {
    try {
      Object.defineProperty(navigator, name, { configurable: true, get });
    } catch {
      // A property this page cannot redefine: nothing better to do than keep going.
    }
  }
})();
