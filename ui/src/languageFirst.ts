// Imported first by main.tsx: the browser's language is repaired before any module (uPlot reads
// it at load) is evaluated.
import { repairNavigatorLanguage } from './locale';

repairNavigatorLanguage();
