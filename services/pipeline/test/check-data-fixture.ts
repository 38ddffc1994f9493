// A clean ratings file the check-data tests share: 3 rows, 2 users, 2 movies, the three timestamp forms.
export const HEADER = 'user_id,movie_id,rating,timestamp';
export const GOOD = `${HEADER}\n1,up+2009,4,2023-11-29T14:05:40\n2,up+2009,5,2023-11-29T14:05\n2,vermont+is+for+lovers+,1,2023-11-29T14:05:40.123\n`;
