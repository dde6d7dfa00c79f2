const items = [3, 1, 2];
let total = 0;
for (let i = 0; 