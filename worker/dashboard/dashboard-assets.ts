import uplotScript from 'uplot/dist/uPlot.iife.min.js' with { type: 'text' };
import uplotStyle from 'uplot/dist/uPlot.min.css' with { type: 'text' };
import dashboardStyle from './assets/dashboard.css' with { type: 'text' };
import dashboardScript from './assets/dashboard.js' with { type: 'text' };
import fleetPanelScript from './assets/fleet-panel.js' with { type: 'text' };
import localeGuardScript from './assets/locale-guard.js' with { type: 'text' };
import pageKitScript from './assets/page-kit.js' with { type: 'text' };
import trafficPanelsScript from './assets/traffic-panels.js' with { type: 'text' };

/** A file the dashboard serves under `/dashboard/assets/`. */
export interface DashboardAsset {
  readonly body: string;
  readonly contentType: string;
}

/**
 * The page's one script: the locale guard (uPlot reads `navigator.language` while loading),
 * uPlot's browser build (it defines the global `uPlot`), then the dashboard's own files in
 * dependency order. One file, so the page makes one request.
 */
export const dashboardScriptAsset: DashboardAsset = {
  body: [
    localeGuardScript,
    uplotScript,
    pageKitScript,
    fleetPanelScript,
    trafficPanelsScript,
    dashboardScript,
  ].join('\n;\n'),
  contentType: 'text/javascript; charset=utf-8',
};

/** The page's one stylesheet: uPlot's, then the dashboard's. */
export const dashboardStyleAsset: DashboardAsset = {
  body: `${uplotStyle}\n${dashboardStyle}`,
  contentType: 'text/css; charset=utf-8',
};
