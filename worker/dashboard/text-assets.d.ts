// Files the Worker imports as text (wrangler.toml `[[rules]] type = "Text"`; esbuild, and so the
// local stack, reads the `with { type: 'text' }` attribute).

declare module '*.css' {
  const text: string;
  export default text;
}

declare module '*/assets/locale-guard.js' {
  const text: string;
  export default text;
}

declare module '*/assets/page-kit.js' {
  const text: string;
  export default text;
}

declare module '*/assets/fleet-panel.js' {
  const text: string;
  export default text;
}

declare module '*/assets/traffic-panels.js' {
  const text: string;
  export default text;
}

declare module '*/assets/dashboard.js' {
  const text: string;
  export default text;
}

declare module 'uplot/dist/uPlot.iife.min.js' {
  const text: string;
  export default text;
}
