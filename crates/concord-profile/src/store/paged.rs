//! A growable column in fixed pages: no reallocation and at most one partly empty page, so a
//! column of n rows costs n values (a doubling `Vec` would cost up to 2n).

/// Rows per page.
const PAGE: usize = 4096;

#[derive(Debug, Clone)]
pub(crate) struct Paged<T> {
    pages: Vec<Box<[T]>>,
    len: usize,
    fill: T,
}

impl<T: Clone> Paged<T> {
    /// An empty column whose unset rows read as `fill`.
    pub(crate) fn new(fill: T) -> Self {
        Self {
            pages: Vec::new(),
            len: 0,
            fill,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends a row holding the fill value.
    pub(crate) fn push_fill(&mut self) {
        if self.len == self.pages.len() * PAGE {
            self.pages
                .push(vec![self.fill.clone(); PAGE].into_boxed_slice());
        }
        self.len += 1;
    }

    pub(crate) fn get(&self, row: u32) -> Option<&T> {
        let row = row as usize;
        if row >= self.len {
            return None;
        }
        self.pages.get(row / PAGE)?.get(row % PAGE)
    }

    pub(crate) fn get_mut(&mut self, row: u32) -> Option<&mut T> {
        let row = row as usize;
        if row >= self.len {
            return None;
        }
        self.pages.get_mut(row / PAGE)?.get_mut(row % PAGE)
    }

    /// Sets a row; rows past the end are ignored (rows are always pushed first).
    pub(crate) fn set(&mut self, row: u32, value: T) {
        if let Some(slot) = self.get_mut(row) {
            *slot = value;
        }
    }

    /// The rows in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.pages.iter().flat_map(|p| p.iter()).take(self.len)
    }

    /// The rows in order, a page at a time (for bulk copies).
    pub(crate) fn slices(&self) -> impl Iterator<Item = &[T]> {
        let len = self.len;
        self.pages
            .iter()
            .enumerate()
            .map(move |(i, page)| &page[..PAGE.min(len - i * PAGE)])
    }

    /// Appends rows holding `values`, allocating the pages they need up front.
    pub(crate) fn extend(&mut self, values: impl ExactSizeIterator<Item = T>) {
        let need = (self.len + values.len()).div_ceil(PAGE);
        self.pages.reserve(need.saturating_sub(self.pages.len()));
        for value in values {
            self.push_fill();
            let row = self.len - 1;
            if let Some(page) = self.pages.get_mut(row / PAGE) {
                page[row % PAGE] = value;
            }
        }
    }
}

impl<T: Clone + Copy> Paged<T> {
    /// A row's value, or the fill value past the end.
    pub(crate) fn at(&self, row: u32) -> T {
        self.get(row).copied().unwrap_or(self.fill)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cross_pages_and_keep_their_values() {
        let mut column = Paged::new(-1i64);
        for row in 0..(PAGE as u32 * 2 + 3) {
            column.push_fill();
            column.set(row, i64::from(row) * 2);
        }
        assert_eq!(column.len(), PAGE * 2 + 3);
        assert_eq!(column.at(5), 10);
        assert_eq!(column.at(PAGE as u32 + 1), (PAGE as i64 + 1) * 2);
        assert_eq!(
            column.at(PAGE as u32 * 3),
            -1,
            "past the end reads the fill"
        );
        assert_eq!(column.iter().count(), PAGE * 2 + 3);
    }

    #[test]
    fn extend_and_slices_agree_with_row_by_row() {
        for rows in [0, 1, PAGE - 1, PAGE, PAGE + 1, PAGE * 3 + 7] {
            let mut column = Paged::new(0u32);
            column.push_fill();
            column.extend(1..rows as u32);
            let by_row: Vec<u32> = column.iter().copied().collect();
            let by_slice: Vec<u32> = column.slices().flatten().copied().collect();
            let want: Vec<u32> = (0..rows.max(1) as u32).collect();
            assert_eq!(by_row, want);
            assert_eq!(by_slice, want);
        }
    }
}
