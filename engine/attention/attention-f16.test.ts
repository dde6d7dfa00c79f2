// Attention kernels on the f16-storage device (see attention.suite.ts).
import { attentionSuite } from './attention.suite.ts';

attentionSuite('f16');
